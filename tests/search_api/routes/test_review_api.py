"""What a clerk reviewing through the API tripped on (issue 19): guests, unknown fields, the
draft's speakers, publishing with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kuvend.storage.db import session_scope
from kuvend.storage.tables import SegmentRow
from tests.search_api.conftest import Api
from tests.search_api.routes.test_access import DRAFT

SPEAKERS = f"/api/v1/sessions/{DRAFT}/speakers"


def _draft_speakers(api: Api) -> list[dict[str, Any]]:
    response = api.client.get(
        SPEAKERS, params={"draft": True}, headers=api.headers("secretariat_a")
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_a_guest_is_named_and_published_under_that_name(api: Api) -> None:
    staff = api.headers("secretariat_a")
    label = _draft_speakers(api)[0]["id"]
    named = api.client.put(f"{SPEAKERS}/{label}", json={"name": "Drita Berisha"}, headers=staff)
    assert named.status_code == 200, named.text
    speaker = next(s for s in _draft_speakers(api) if s["id"] == label)
    assert speaker["name"] == "Drita Berisha" and speaker["member_id"] is None
    both = api.client.put(
        f"{SPEAKERS}/{label}", json={"name": "X", "member_id": "m1"}, headers=staff
    )
    assert both.status_code == 422
    published = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert published.status_code == 200, published.text
    minutes = api.client.get(f"/api/v1/sessions/{DRAFT}/minutes").json()
    assert {"id": label, "name": "Drita Berisha"}.items() <= next(
        s for s in minutes["speakers"] if s["id"] == label
    ).items()


def test_unknown_fields_are_refused_not_ignored(api: Api) -> None:
    staff = api.headers("secretariat_a")
    label = _draft_speakers(api)[0]["id"]
    before = _draft_speakers(api)
    response = api.client.put(f"{SPEAKERS}/{label}", json={"nmae": "Typo"}, headers=staff)
    assert response.status_code == 422
    assert "nmae" in response.text
    assert _draft_speakers(api) == before  # nothing changed


def test_every_write_endpoint_refuses_unknown_fields(api: Api) -> None:
    """Every JSON body in the OpenAPI document forbids other keys (``additionalProperties``
    false), so that no endpoint, present or future, silently ignores a field."""
    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    bodies: dict[str, dict[str, Any]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                reference = content["application/json"]["schema"]["$ref"]
                bodies[f"{method.upper()} {path}"] = schemas[reference.rsplit("/", 1)[-1]]
    assert len(bodies) >= 8
    lenient = [
        where for where, schema in bodies.items() if schema.get("additionalProperties") is not False
    ]
    assert lenient == []


def test_the_secretariat_sees_the_drafts_speakers_with_statistics(api: Api) -> None:
    speakers = _draft_speakers(api)
    assert speakers and sum(s["speaking_time_s"] for s in speakers) > 0
    assert all(s["turns"] >= 1 for s in speakers if s["speaking_time_s"] > 0)
    for role in ("anonymous", "secretariat_b"):
        outsider = api.client.get(SPEAKERS, params={"draft": True}, headers=api.headers(role))
        assert outsider.status_code in (401, 403, 404)
    assert api.client.get(SPEAKERS).status_code == 404  # a draft does not exist for outsiders
    public = api.client.get(SPEAKERS, headers=api.headers("secretariat_a"))
    assert public.status_code == 404
    assert public.json()["error"]["message"] == f"session {DRAFT} has no published version yet"


def test_publishing_with_nothing_changed_is_refused(api: Api) -> None:
    staff = api.headers("secretariat_a")
    first = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert first.status_code == 200, first.text
    again = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert again.status_code == 409
    assert "nothing changed since version 1" in again.json()["error"]["message"]
    versions = api.client.get(f"/api/v1/sessions/{DRAFT}", headers=staff).json()["versions"]
    assert [v["version"] for v in versions] == [1]


def test_times_are_given_to_the_millisecond(api: Api) -> None:
    staff = api.headers("secretariat_a")
    segments = api.client.get(f"/api/v1/sessions/{DRAFT}/segments", headers=staff).json()["data"]
    hits = api.client.get("/api/v1/search", params={"q": "je", "limit": 50}).json()["data"]
    times = [item[key] for item in [*segments, *hits] for key in ("start_s", "end_s")]
    assert times and all(round(value, 3) == value for value in times)
    assert all(len(repr(value).split(".")[-1]) <= 3 for value in times)


def test_publishing_counts_the_flagged_speech_left_unfilled(api: Api) -> None:
    # Published all the same (the page shows the gaps), but the clerk is told what is left.
    with session_scope(api.settings.resolved_database_url) as db:
        rows = db.scalars(
            select(SegmentRow).where(SegmentRow.session_id == DRAFT).order_by(SegmentRow.start_s)
        ).all()
        rows[0].flag = "loop"
        flagged_s = rows[0].end_s - rows[0].start_s
    published = api.client.post(
        f"/api/v1/sessions/{DRAFT}/publish", headers=api.headers("secretariat_a")
    )
    assert published.status_code == 200, published.text
    assert published.json()["unfilled_segments"] == 1
    assert published.json()["unfilled_s"] == pytest.approx(flagged_s, abs=0.001)


def test_two_voices_at_once_are_shown_kept_through_an_edit_and_published(api: Api) -> None:
    staff = api.headers("secretariat_a")
    segments = f"/api/v1/sessions/{DRAFT}/segments"
    with session_scope(api.settings.resolved_database_url) as db:
        rows = db.scalars(
            select(SegmentRow).where(SegmentRow.session_id == DRAFT).order_by(SegmentRow.start_s)
        ).all()
        rows[1].overlap = True  # as the diarizer marks it
        target = rows[1].id
    listed = api.client.get(segments, headers=staff).json()["data"]
    assert [s["id"] for s in listed if s["overlap"]] == [target]
    # Not editable: a client cannot clear (or set) it with the text.
    refused = api.client.patch(
        f"{segments}/{target}", json={"text": "Teksti.", "overlap": False}, headers=staff
    )
    assert refused.status_code == 422 and "overlap" in refused.text
    edited = api.client.patch(f"{segments}/{target}", json={"text": "Teksti."}, headers=staff)
    assert edited.status_code == 200, edited.text
    [after] = [s for s in edited.json()["data"] if s["id"] == target]
    assert (after["text"], after["reviewed"], after["overlap"]) == ("Teksti.", True, True)
    published = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert published.status_code == 200, published.text
    for path in ("minutes", "downloads/json"):
        minutes = api.client.get(f"/api/v1/sessions/{DRAFT}/{path}").json()
        assert [s["id"] for s in minutes["segments"] if s["overlap"]] == [target]
        assert all(s["overlap"] is False for s in minutes["segments"] if s["id"] != target)
