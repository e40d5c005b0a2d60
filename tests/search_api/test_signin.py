"""Sign-in throttling per account and per address, with exponential back-off (issue 16)."""

from __future__ import annotations

from starlette.requests import Request

from search_api.signin import FREE_FAILURES, SignInThrottle, client_address
from tests.search_api.conftest import Api
from tests.search_api.seed import PASSWORD


def test_waits_double_after_the_free_failures_and_a_success_clears_the_account() -> None:
    now = [0.0]
    throttle = SignInThrottle(clock=lambda: now[0])
    keys = ("account:a@example.org", "address:10.0.0.1")
    waits = []
    for _ in range(FREE_FAILURES + 4):
        throttle.failed(keys)
        waits.append(throttle.wait_s(keys))
    assert waits == [0.0] * FREE_FAILURES + [1.0, 2.0, 4.0, 8.0]
    now[0] = 8.0
    assert throttle.wait_s(keys) == 0.0
    throttle.succeeded(keys[0])
    assert throttle.wait_s(keys[:1]) == 0.0
    assert throttle.wait_s(keys[1:]) == 0.0  # the address's count stays (it expired here)
    throttle.failed(keys[1:])
    assert throttle.wait_s(keys[1:]) == 16.0


def _request(peer: str, forwarded: str) -> Request:
    scope = {
        "type": "http",
        "client": (peer, 1234),
        "headers": [(b"x-forwarded-for", forwarded.encode())],
    }
    return Request(scope)


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy() -> None:
    spoofed = _request("127.0.0.1", "1.2.3.4")
    assert client_address(spoofed, []) == "127.0.0.1"
    assert client_address(spoofed, ["10.0.0.0/8"]) == "127.0.0.1"
    proxied = _request("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.7")
    assert client_address(proxied, ["10.0.0.0/8"]) == "203.0.113.9"


def test_guessing_a_password_is_refused_even_with_spoofed_addresses(sqlite_api: Api) -> None:
    email = sqlite_api.accounts.email_b
    for attempt in range(FREE_FAILURES + 1):
        wrong = sqlite_api.client.post(
            "/api/v1/auth/token",
            data={"username": email, "password": f"guess-{attempt}"},
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
        )
        assert wrong.status_code == 401, wrong.text
    right = sqlite_api.client.post(
        "/api/v1/auth/token",
        data={"username": email.upper(), "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.200"},
    )
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) >= 1
    assert "too many failed sign-ins" in right.json()["error"]["message"]
