"""The secretariat's pages over HTTP: sign-in that gives nothing away, cookies a script cannot
read or another site send, changes refused without the CSRF token, the page's language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kuvend.storage.db import session_scope
from kuvend.storage.tables import GapRow
from search_api.app import create_app
from tests.secretariat.conftest import SESSION_ID, seeded
from tests.secretariat.seed import EMAIL, PASSWORD
from workers.actions import PipelineActions


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = seeded(tmp_path_factory.mktemp("pages") / "data")
    with TestClient(create_app(settings, actions=PipelineActions(settings))) as client:
        yield client


def _form_token(client: TestClient) -> str:
    page = client.get("/secretariat/signin")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match[1]


def _sign_in(client: TestClient, email: str, password: str) -> Any:
    token = _form_token(client)
    return client.post(
        "/secretariat/signin",
        data={"email": email, "password": password, "csrf": token},
        follow_redirects=False,
    )


def test_a_wrong_password_and_an_unknown_email_look_the_same(client: TestClient) -> None:
    wrong = _sign_in(client, EMAIL, "not the password")
    unknown = _sign_in(client, "nobody@prishtine.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    for answer in (wrong, unknown):
        assert "Email-i ose fjalëkalimi është i gabuar." in answer.text
        assert "kuvend_secretariat=" not in answer.headers.get("set-cookie", "")


def test_the_session_cookie_is_http_only_and_strict(client: TestClient) -> None:
    answer = _sign_in(client, EMAIL, PASSWORD)
    assert answer.status_code == 303
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("kuvend_secretariat=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/secretariat" in cookie
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}")
    assert editor.status_code == 200
    csp = editor.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert editor.headers["cache-control"] == "no-store"  # drafts are never cached


def test_changes_need_the_csrf_token_and_a_session(client: TestClient) -> None:
    _sign_in(client, EMAIL, PASSWORD)
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}").text
    segment_id = re.findall(r'data-segment-id="([^"]+)"', editor)[1]
    url = f"/secretariat/api/sessions/{SESSION_ID}/segments/{segment_id}/text"
    body = {"text": "Falsifikuar.", "version": 0}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "x" * 64}).status_code == 403
    client.cookies.clear()
    assert client.post(url, json=body).status_code == 401
    page = client.get(f"/secretariat/sessions/{SESSION_ID}", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/secretariat/signin")
    # Nothing was changed by the refused requests.
    _sign_in(client, EMAIL, PASSWORD)
    assert "Falsifikuar." not in client.get(f"/secretariat/sessions/{SESSION_ID}").text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "Hyr në sekretari"),
        ("sr-RS,sr;q=0.9,en;q=0.5", "Prijava u sekretarijat"),
        ("sr-Cyrl-RS", "Пријава у секретаријат"),
        ("de-DE,en;q=0.8,sq;q=0.7", "Sign in to the secretariat"),
    ],
)
def test_the_language_follows_the_browser(client: TestClient, accept: str, expected: str) -> None:
    client.cookies.clear()
    page = client.get("/secretariat/signin", headers={"Accept-Language": accept})
    assert expected in page.text


def test_the_editor_lists_the_stretches_without_transcript(client: TestClient) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with session_scope(settings.resolved_database_url) as db:
        db.add(GapRow(session_id=SESSION_ID, start_s=40.0, end_s=45.5, reason="dropped"))
    _sign_in(client, EMAIL, PASSWORD)
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}")
    assert editor.status_code == 200
    assert editor.headers["content-security-policy"].startswith("default-src 'none'")
    assert '<a class="time" href="#t=40.0">0:00:40–0:00:45</a> dropped' in editor.text
    assert editor.text.rstrip().endswith("</html>")  # sent whole, as it was rendered


def test_a_blank_line_is_refused_and_nothing_is_saved(client: TestClient) -> None:
    _sign_in(client, EMAIL, PASSWORD)
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}").text
    config = re.search(r'id="editor-config">(.*?)</script>', editor)
    assert config
    segment_id = re.findall(r'data-segment-id="([^"]+)"', editor)[2]
    url = f"/secretariat/api/sessions/{SESSION_ID}/segments/{segment_id}/text"
    headers = {"X-CSRF-Token": json.loads(config[1])["csrf"]}
    for blank in ("   ", "\n \t"):
        refused = client.post(url, json={"text": blank, "version": 0}, headers=headers)
        assert refused.status_code == 422, refused.text
    line = re.compile(rf'<li[^>]*data-segment-id="{segment_id}".*?</li>', re.DOTALL)
    after = client.get(f"/secretariat/sessions/{SESSION_ID}").text
    assert line.findall(after) == line.findall(editor) != []  # the line is as it was


def test_the_editor_marks_two_voices_at_once_and_keeps_the_mark_after_an_edit(
    client: TestClient,
) -> None:
    _sign_in(client, EMAIL, PASSWORD)
    mark = '<span class="overlap" role="note">{}</span>'
    english = mark.format("Two people spoke at once here; the text may miss one of them.")
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}", params={"lang": "en"}).text
    lines = re.findall(r'<li class="seg.*?</li>', editor, re.DOTALL)
    assert [english in line for line in lines] == [False, True, False, False, False, False]
    serbian = client.get(f"/secretariat/sessions/{SESSION_ID}", params={"lang": "sr"}).text
    assert (
        mark.format("Ovde su dvoje govorili istovremeno; tekstu može nedostajati jedan od njih.")
        in serbian
    )
    config = re.search(r'id="editor-config">(.*?)</script>', editor)
    assert config
    segment_id = re.findall(r'data-segment-id="([^"]+)"', editor)[1]
    edited = client.post(
        f"/secretariat/api/sessions/{SESSION_ID}/segments/{segment_id}/text?lang=en",
        json={"text": "Hvala, imam pitanje.", "version": 0},
        headers={"X-CSRF-Token": json.loads(config[1])["csrf"]},
    )
    assert edited.status_code == 200, edited.text
    html = edited.json()["html"]
    assert english in html and 'data-version="1"' in html  # the edited line, still marked
