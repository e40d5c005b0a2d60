"""Who may do what: anonymous, a journalist's key, the secretariat of A, the secretariat of B.

Assembly A (``prishtine``) has a published session and a draft; assembly B (``graqanice``) has
a published session. Drafts must be invisible to the public and to B (404: an outsider cannot
even tell that they exist); B may read A's published minutes but change nothing of A's (403).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from kuvend.storage.db import session_scope
from kuvend.storage.tables import MemberRow, RevisionRow, SessionRow
from tests.search_api.conftest import Api
from tests.search_api.seed import LIVE_B

ROLES = ("anonymous", "journalist", "secretariat_a", "secretariat_b")
DRAFT = "pr-2024-draft"
PUBLISHED_A = "pr-2023"
PUBLISHED_B = "gr-2022"

# (method, path, json body, expected status per role in ROLES order)
MATRIX: list[tuple[str, str, dict[str, Any] | None, tuple[int, int, int, int]]] = [
    ("GET", "/api/v1/health", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/sessions", None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}", None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/sessions/{DRAFT}", None, (404, 404, 200, 404)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}/minutes", None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/sessions/{DRAFT}/minutes", None, (404, 404, 404, 404)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}/speakers", None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}/downloads/json", None, (200, 200, 200, 200)),
    ("GET", f"/api/v1/sessions/{DRAFT}/downloads/json", None, (404, 404, 404, 404)),
    ("GET", "/api/v1/assemblies/prishtine/members", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/statistics?group_by=party", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/auth/me", None, (401, 401, 200, 200)),
    ("GET", f"/api/v1/sessions/{DRAFT}/segments", None, (401, 401, 200, 404)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}/segments", None, (401, 401, 200, 403)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_B}/segments", None, (401, 401, 403, 200)),
    ("GET", f"/api/v1/sessions/{LIVE_B}", None, (404, 404, 404, 200)),
    (
        "PATCH",
        f"/api/v1/sessions/{DRAFT}/segments/{DRAFT}-0003",
        {"text": "Teksti i korrigjuar."},
        (401, 401, 200, 404),
    ),
    (
        "PATCH",
        f"/api/v1/sessions/{PUBLISHED_A}/segments/{PUBLISHED_A}-0003",
        {"text": "Teksti i korrigjuar."},
        (401, 401, 200, 403),
    ),
    ("PUT", f"/api/v1/sessions/{DRAFT}/speakers/S1", {"member_id": None}, (401, 401, 200, 404)),
    (
        "PUT",
        f"/api/v1/sessions/{PUBLISHED_A}/agenda",
        {"items": [{"start_s": 0, "title": "Pika e parë"}]},
        (401, 401, 200, 403),
    ),
    (
        "POST",
        "/api/v1/assemblies/prishtine/members",
        {"name": "Blerta Hoxha"},
        (401, 401, 201, 403),
    ),
    ("POST", "/api/v1/assemblies/graqanice/members", {"name": "Marko Jović"}, (401, 401, 403, 201)),
    (
        "POST",
        "/api/v1/assemblies/prishtine/sessions",
        {"title": "Seanca e radhës", "date": "2024-06-01"},
        (401, 401, 201, 403),
    ),
    # The API cannot start a recorder on this machine (409 says how); access comes first.
    (
        "POST",
        f"/api/v1/sessions/{PUBLISHED_B}/recording/start",
        {"stream_url": "rtmp://127.0.0.1/live/graqanice"},
        (401, 401, 403, 409),
    ),
    ("POST", f"/api/v1/sessions/{LIVE_B}/recording/stop", None, (401, 401, 404, 202)),
    # Progress: the secretariat of the session's assembly only.
    ("GET", f"/api/v1/sessions/{DRAFT}/progress", None, (401, 401, 200, 404)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_B}/progress", None, (401, 401, 403, 200)),
    ("GET", f"/api/v1/sessions/{LIVE_B}/progress", None, (401, 401, 404, 200)),
    # Captions exist only while live: a draft or a published session has none, for anyone.
    ("GET", f"/api/v1/sessions/{DRAFT}/captions", None, (404, 404, 404, 404)),
    ("GET", f"/api/v1/sessions/{PUBLISHED_A}/captions", None, (404, 404, 404, 404)),
]

#: Live captions are public while the session is recorded (read as a stream, status only).
STREAMS: list[tuple[str, tuple[int, int, int, int]]] = [
    (f"/api/v1/sessions/{LIVE_B}/captions", (200, 200, 200, 200)),
]

SCHEDULED_A = "pr-scheduled"
NOT_MEDIA = ("procesverbali.mp4", "Procesverbali i seancës\n".encode() * 40, "video/mp4")
# (method, path, expected per role) of the uploads, each sent NOT_MEDIA: whoever gets past the
# access checks learns that the file is not media (422), so no model runs here.
UPLOADS: list[tuple[str, str, tuple[int, int, int, int]]] = [
    ("POST", f"/api/v1/assemblies/prishtine/sessions/{SCHEDULED_A}/media", (401, 401, 422, 403)),
    ("POST", f"/api/v1/assemblies/graqanice/sessions/{PUBLISHED_B}/media", (401, 401, 403, 409)),
    ("POST", f"/api/v1/assemblies/graqanice/sessions/{DRAFT}/media", (401, 401, 403, 404)),
    ("PUT", "/api/v1/members/{member_a}/voice", (401, 401, 422, 403)),
    ("PUT", "/api/v1/members/{member_b}/voice", (401, 401, 403, 422)),
]


def test_every_endpoint_answers_every_role_as_designed(api: Api) -> None:
    headers = {role: api.headers(role) for role in ROLES}
    mismatches = []
    for method, path, body, expected in MATRIX:
        for role, status in zip(ROLES, expected, strict=True):
            response = api.client.request(method, path, json=body, headers=headers[role])
            if response.status_code != status:
                mismatches.append(f"{role} {method} {path}: {response.status_code} != {status}")
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text
    for path, expected in STREAMS:
        for role, status in zip(ROLES, expected, strict=True):
            with api.client.stream("GET", path, headers=headers[role]) as response:
                if response.status_code != status:
                    mismatches.append(f"{role} GET {path}: {response.status_code} != {status}")
                assert response.headers["content-type"].startswith("text/event-stream")
    members = _one_member_of_each_assembly(api)
    for method, template, expected in UPLOADS:
        path = template.format(**members)
        for role, status in zip(ROLES, expected, strict=True):
            response = api.client.request(
                method, path, files={"file": NOT_MEDIA}, headers=headers[role]
            )
            if response.status_code != status:
                mismatches.append(f"{role} {method} {path}: {response.status_code} != {status}")
            assert set(response.json()) == {"error"}, response.text
    assert not mismatches, "\n".join(mismatches)
    with session_scope(api.settings.resolved_database_url) as db:
        assert db.get(SessionRow, LIVE_B).status == "stopping"  # type: ignore[union-attr]
        revisions = {row.action for row in db.scalars(select(RevisionRow))}
    assert revisions >= {"edit_text", "name_speaker", "set_agenda"}


def test_drafts_are_invisible_to_the_public_and_to_another_assembly(api: Api) -> None:
    params = {"q": "kontest", "session": DRAFT, "include_drafts": "true"}
    counts = {
        role: api.client.get("/api/v1/search", params=params, headers=api.headers(role)).json()[
            "count"
        ]
        for role in ROLES
    }
    assert counts["secretariat_a"] > 0
    assert counts["anonymous"] == counts["journalist"] == counts["secretariat_b"] == 0
    listed = {
        role: {
            s["id"]
            for s in api.client.get(
                "/api/v1/sessions", params={"limit": 100}, headers=api.headers(role)
            ).json()["data"]
        }
        for role in ROLES
    }
    assert DRAFT in listed["secretariat_a"]
    assert all(DRAFT not in listed[role] for role in ("anonymous", "journalist", "secretariat_b"))


def test_publishing_is_the_secretariats_and_makes_the_draft_public(api: Api) -> None:
    path = f"/api/v1/sessions/{DRAFT}/publish"
    for role, status in (("anonymous", 401), ("journalist", 401), ("secretariat_b", 404)):
        assert api.client.post(path, headers=api.headers(role)).status_code == status
    assert api.client.get(f"/api/v1/sessions/{DRAFT}").status_code == 404

    response = api.client.post(path, headers=api.headers("secretariat_a"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "session_id": DRAFT,
        "version": 1,
        "unfilled_segments": 0,
        "unfilled_s": 0.0,
    }

    public = api.client.get(f"/api/v1/sessions/{DRAFT}/minutes")
    assert public.status_code == 200
    assert public.json()["session"]["status"] == "published"
    found = api.client.get("/api/v1/search", params={"q": "kontest", "session": DRAFT}).json()
    assert found["count"] > 0 and {hit["status"] for hit in found["data"]} == {"published"}


def test_bad_credentials_are_401_not_anonymous(api: Api) -> None:
    for headers in (
        {"X-API-Key": "kv_00000000_not-a-real-key"},
        {"X-API-Key": "garbage"},
        {"Authorization": "Bearer not.a.token"},
    ):
        response = api.client.get("/api/v1/sessions", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    wrong = api.client.post(
        "/api/v1/auth/token", data={"username": api.accounts.email_a, "password": "wrong"}
    )
    assert wrong.status_code == 401


def _one_member_of_each_assembly(api: Api) -> dict[str, str]:
    """A member of A and one of B; and a scheduled session of A (nothing uploaded yet)."""
    with session_scope(api.settings.resolved_database_url) as db:
        db.add(
            SessionRow(
                id=SCHEDULED_A,
                assembly_slug="prishtine",
                title="Seanca e radhës",
                date=date(2024, 7, 1),
                status="scheduled",
            )
        )
        members = {
            key: db.scalars(
                select(MemberRow.id).where(MemberRow.assembly_slug == slug).limit(1)
            ).one()
            for key, slug in (("member_a", "prishtine"), ("member_b", "graqanice"))
        }
    return members
