"""What may be published (the new user's findings 1, 2, 3 and 9): never a session whose
processing failed or is still running, never minutes without speech or with an empty segment;
and a change answers with the draft as it now is."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from kuvend.storage.db import session_scope
from kuvend.storage.sessions import SessionStatus, create_session, set_session_status
from kuvend.storage.tables import PublishedVersionRow, SegmentRow
from tests.search_api.conftest import Api
from tests.search_api.routes.test_access import DRAFT

PUBLISH = f"/api/v1/sessions/{DRAFT}/publish"
SEGMENTS = f"/api/v1/sessions/{DRAFT}/segments"


def _versions(api: Api, session_id: str) -> list[int]:
    with session_scope(api.settings.resolved_database_url) as db:
        found = db.scalars(
            select(PublishedVersionRow.version).where(PublishedVersionRow.session_id == session_id)
        )
        return list(found)


def _set_status(api: Api, status: SessionStatus, error: str | None = None) -> None:
    with session_scope(api.settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=DRAFT, status=status, error=error)


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        ("failed", "interrupted", "its processing failed (interrupted); process its recording"),
        ("processing", None, "cannot be published while it is processing: wait until"),
        ("queued", None, "cannot be published while it is queued: wait until"),
    ],
)
def test_a_failed_or_unfinished_session_is_not_published(
    api: Api, status: SessionStatus, error: str | None, says: str
) -> None:
    staff = api.headers("secretariat_a")
    _set_status(api, status, error)
    refused = api.client.post(PUBLISH, headers=staff)
    assert refused.status_code == 409, refused.text
    assert says in refused.json()["error"]["message"]
    assert _versions(api, DRAFT) == []
    assert api.client.get(f"/api/v1/sessions/{DRAFT}/minutes").status_code == 404
    _set_status(api, "draft")  # once processing has finished, the same draft is published
    assert api.client.post(PUBLISH, headers=staff).status_code == 200
    assert _versions(api, DRAFT) == [1]


def test_minutes_without_speech_are_not_published(api: Api) -> None:
    with session_scope(api.settings.resolved_database_url) as db:
        silent = create_session(
            session=db, assembly="prishtine", title="Pa zë", date=date(2024, 5, 1), status="draft"
        ).id
    refused = api.client.post(
        f"/api/v1/sessions/{silent}/publish", headers=api.headers("secretariat_a")
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"].startswith(
        "nothing to publish: the minutes have no speech;"
    )
    assert _versions(api, silent) == []


def _draft_segments(api: Api) -> list[dict[str, object]]:
    answer = api.client.get(SEGMENTS, headers=api.headers("secretariat_a"))
    assert answer.status_code == 200, answer.text
    data: list[dict[str, object]] = answer.json()["data"]
    return data


def test_a_blank_edit_or_a_split_leaving_an_empty_part_is_refused(api: Api) -> None:
    staff = api.headers("secretariat_a")
    before = _draft_segments(api)
    target = before[2]
    for blank in ("   ", "\n\t ", ""):
        refused = api.client.patch(
            f"{SEGMENTS}/{target['id']}", json={"text": blank}, headers=staff
        )
        assert refused.status_code == 422, refused.text
    start, end = float(target["start_s"]), float(target["end_s"])  # type: ignore[arg-type]
    for at_s in (start + 0.001, end - 0.001):  # no word on one side of the cut
        split = api.client.post(
            f"{SEGMENTS}/{target['id']}/split", json={"at_s": at_s}, headers=staff
        )
        assert split.status_code == 409, split.text
        assert "would have no text" in split.json()["error"]["message"]
    assert _draft_segments(api) == before  # nothing was saved
    assert api.client.post(PUBLISH, headers=staff).status_code == 200
    minutes = api.client.get(f"/api/v1/sessions/{DRAFT}/minutes").json()
    assert all(segment["text"].strip() for segment in minutes["segments"])


def test_an_edit_and_a_split_answer_with_the_draft_after_the_change(api: Api) -> None:
    staff = api.headers("secretariat_a")
    target = _draft_segments(api)[1]
    edited = api.client.patch(
        f"{SEGMENTS}/{target['id']}",
        json={"text": "SHENJA-NJË dhe pastaj fjalë të tjera për ndarjen"},
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json() == {"data": _draft_segments(api), "count": len(_draft_segments(api))}
    assert "SHENJA-NJË" in {s["text"].split()[0] for s in edited.json()["data"]}
    start, end = float(target["start_s"]), float(target["end_s"])  # type: ignore[arg-type]
    split = api.client.post(
        f"{SEGMENTS}/{target['id']}/split", json={"at_s": (start + end) / 2}, headers=staff
    )
    assert split.status_code == 200, split.text
    after = _draft_segments(api)
    assert split.json() == {"data": after, "count": len(after)}
    assert split.json()["count"] == edited.json()["count"] + 1


def test_a_segment_stored_without_text_stops_the_publication(api: Api) -> None:
    """A draft from before the edits were checked may hold an empty segment: it is named, not
    published as an empty paragraph (Akoma Ntoso ``<p/>``, a speaker with no words in TXT)."""
    empty_id = _draft_segments(api)[4]["id"]
    with session_scope(api.settings.resolved_database_url) as db:
        db.get(SegmentRow, empty_id).text = " "  # type: ignore[union-attr]
    refused = api.client.post(PUBLISH, headers=api.headers("secretariat_a"))
    assert refused.status_code == 409, refused.text
    assert f"segment {empty_id} has no text" in refused.json()["error"]["message"]
    assert _versions(api, DRAFT) == []


def test_a_guest_name_of_only_spaces_is_refused(api: Api) -> None:
    staff = api.headers("secretariat_a")
    speakers = f"/api/v1/sessions/{DRAFT}/speakers/S1"
    refused = api.client.put(speakers, json={"name": "   "}, headers=staff)
    assert refused.status_code == 422, refused.text
    assert "the name is empty or only white space" in refused.json()["error"]["message"]
