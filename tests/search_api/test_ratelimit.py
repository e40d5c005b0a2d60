"""Quotas: a journalist's key and an anonymous address each have theirs; staff have none; the
public search page has its own per address, apart from the API's; /health has none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kuvend.config import Settings
from kuvend.minutes import Minutes
from tests.search_api.conftest import Api, make_api


@pytest.fixture
def small_quota_api(settings: Settings, corpus: list[Minutes]) -> Iterator[Api]:
    from kuvend.storage.db import migrate

    migrate(settings.resolved_database_url)
    limited = settings.model_copy(
        update={
            "api_key_rate_limit": "3/minute",
            "anonymous_rate_limit": "2/minute",
            "page_rate_limit": "5/minute",
        }
    )
    yield from make_api(limited, corpus)


def test_quota_headers_count_down_and_429_when_used_up(small_quota_api: Api) -> None:
    client, key = small_quota_api.client, {"X-API-Key": small_quota_api.api_key}
    remaining = [
        client.get("/api/v1/sessions", headers=key).headers["X-RateLimit-Remaining"]
        for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    refused = client.get("/api/v1/sessions", headers=key)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Limit"] == "3"


def test_anonymous_callers_have_their_own_quota_and_staff_none(small_quota_api: Api) -> None:
    client = small_quota_api.client
    staff = small_quota_api.headers("secretariat_a")  # signs in: an anonymous request
    # The sign-in above counted against the anonymous quota (2/minute): one request is left.
    assert client.get("/api/v1/sessions").status_code == 200
    assert client.get("/api/v1/sessions").status_code == 429
    for _ in range(5):
        response = client.get("/api/v1/sessions", headers=staff)
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
    # The journalist's key still has its whole quota.
    keyed = client.get("/api/v1/sessions", headers={"X-API-Key": small_quota_api.api_key})
    assert keyed.headers["X-RateLimit-Remaining"] == "2"


def test_the_search_page_has_its_own_quota_apart_from_the_apis(small_quota_api: Api) -> None:
    client = small_quota_api.client
    # An office whose address used up the API's quota still searches on the page...
    assert client.get("/api/v1/sessions").status_code == 200
    assert client.get("/api/v1/sessions").status_code == 200
    assert client.get("/api/v1/sessions").status_code == 429
    pages = [client.get("/search", params={"q": "buxheti"}) for _ in range(4)]
    assert [page.status_code for page in pages] == [200] * 4
    assert [page.headers["X-RateLimit-Remaining"] for page in pages] == ["4", "3", "2", "1"]
    assert pages[0].headers["X-RateLimit-Limit"] == "5"
    assert client.get("/search.atom", params={"q": "buxheti"}).status_code == 200
    # ...until the page's own quota is used up: the API's is not touched by it.
    refused = client.get("/search", params={"q": "buxheti"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Limit"] == "5"
    keyed = client.get("/api/v1/sessions", headers={"X-API-Key": small_quota_api.api_key})
    assert keyed.headers["X-RateLimit-Remaining"] == "2"


def test_health_is_never_limited_and_says_so_by_having_no_quota_headers(
    small_quota_api: Api,
) -> None:
    client = small_quota_api.client
    for _ in range(5):
        response = client.get("/api/v1/health")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers


def test_a_download_carries_the_quota_headers_too(small_quota_api: Api) -> None:
    client, key = small_quota_api.client, {"X-API-Key": small_quota_api.api_key}
    published = client.get("/api/v1/sessions", headers=key).json()["data"][0]["id"]
    response = client.get(f"/api/v1/sessions/{published}/downloads/json", headers=key)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "1"
