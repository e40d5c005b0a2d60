"""The review workflow on SQLite and PostgreSQL: revisions saved, reruns harmless, versions kept."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from kuvend.errors import NotFoundError
from kuvend.storage.db import session_scope
from kuvend.storage.publications import load_published_versions
from kuvend.storage.revisions import load_revisions
from kuvend.storage.segments import StoredSpeaker, replace_session_segments, replace_speakers
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import MemberRow, RevisionRow, SegmentRow
from publish.review import apply_change, load_draft_minutes, load_public_minutes, publish_draft
from publish.revisions import assign_turn, edit_text, merge_segments, split_segment
from tests.publish.factories import ANA, MARKO, SEGMENTS, SESSION, sample_minutes


def _stored_session(url: str) -> str:
    with session_scope(url) as db:
        create_session(
            session=db,
            assembly=SESSION.assembly,
            title=SESSION.title,
            date=SESSION.date,
            session_id=SESSION.id,
            status="draft",
        )
        for member in (ANA, MARKO):
            db.add(MemberRow(id=member.id, assembly_slug=member.assembly, name=member.name,
                             party=member.party))  # fmt: skip
        db.flush()
        replace_speakers(
            session=db,
            session_id=SESSION.id,
            speakers=[
                StoredSpeaker("S1", ANA.id, None, 0.0),
                StoredSpeaker("S2", MARKO.id, None, 0.0),
                StoredSpeaker("S3", None, None, 0.0),
            ],
        )
        replace_session_segments(session=db, session_id=SESSION.id, segments=SEGMENTS)
    return SESSION.id


def _revision_count(url: str) -> int:
    with session_scope(url) as db:
        return int(db.scalar(select(func.count()).select_from(RevisionRow)) or 0)


def test_each_change_is_saved_as_a_revision(database_url: str) -> None:
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
    assert [s.text for s in draft.segments] == [s.text for s in SEGMENTS]
    assert draft.speakers[0].name == "Ana Kelmendi"
    # Read back from the rows, the draft is what build_minutes made, but for the rows' ids.
    built = sample_minutes()
    assert [s.model_copy(update={"id": ""}) for s in draft.segments] == [
        s.model_copy(update={"id": ""}) for s in built.segments
    ]
    assert draft.speakers == built.speakers

    changes = [
        lambda m: edit_text(m, m.segments[0].id, "Mirëdita, e hapi seancën.", user_id="u1"),
        lambda m: split_segment(m, m.segments[3].id, 25.0, user_id="u1"),
        lambda m: merge_segments(m, m.segments[3].id, m.segments[4].id, user_id="u1"),
        lambda m: assign_turn(m, m.segments[4].id, member=MARKO, user_id="u2"),
    ]
    for expected, change in enumerate(changes, start=1):
        with session_scope(database_url) as db:
            apply_change(session=db, session_id=session_id, change=change)
        assert _revision_count(database_url) == expected

    with session_scope(database_url) as db:
        after = load_draft_minutes(session=db, session_id=session_id)
        history = load_revisions(session=db, session_id=session_id)
        superseded = db.scalar(
            select(func.count()).select_from(SegmentRow).where(SegmentRow.superseded.is_(True))
        )
    assert [r.action for r in history] == ["edit_text", "split", "merge", "assign_turn"]
    assert history[0].before["segments"][0]["text"] == SEGMENTS[0].text
    # Nothing overwritten: every replaced segment is still a (superseded) row.
    assert superseded == 1 + 1 + 2 + 1
    assert after.segments[0].text == "Mirëdita, e hapi seancën."
    # Statistics follow the corrected speaker: S3's 7.5 s now count for Marko (S2).
    s2 = next(s for s in after.speakers if s.id == "S2")
    assert s2.speaking_time_s == pytest.approx(15.25 + 7.5)


def test_reprocessing_leaves_an_edited_segment_byte_identical(database_url: str) -> None:
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        edited = apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, m.segments[1].id, "Hvala, imam pitanje.", user_id="u1"),
        )
    before = edited.segments[1].model_dump_json()

    # Recognition runs again over the whole session (the runner's own save path).
    rerun = [replace(s, text=s.text.upper(), start_s=s.start_s + 0.05) for s in SEGMENTS]
    with session_scope(database_url) as db:
        replace_session_segments(session=db, session_id=session_id, segments=rerun)
    with session_scope(database_url) as db:
        after = load_draft_minutes(session=db, session_id=session_id)
        history = load_revisions(session=db, session_id=session_id)
    again = next(s for s in after.segments if s.id == edited.segments[1].id)
    assert again.model_dump_json() == before
    # Unreviewed segments did take the new recognition, and the revision history survived.
    assert after.segments[0].text == SEGMENTS[0].text.upper()
    assert len(history) == 1


def test_publishing_twice_keeps_both_versions(database_url: str) -> None:
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db, pytest.raises(NotFoundError):
        load_public_minutes(session=db, session_id=session_id)  # a draft is not public
    with session_scope(database_url) as db:
        first, _ = publish_draft(session=db, session_id=session_id, user_id="u1")
    with session_scope(database_url) as db:
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, m.segments[0].id, "Mirëdita të gjithëve.", user_id="u1"),
        )
        second, _ = publish_draft(session=db, session_id=session_id, user_id="u1")
    with session_scope(database_url) as db:
        versions = load_published_versions(session=db, session_id=session_id)
        v1 = load_public_minutes(session=db, session_id=session_id, version=1)
        latest = load_public_minutes(session=db, session_id=session_id)
    assert [(v.version, v.sha256) for v in versions] == [(1, first.sha256), (2, second.sha256)]
    assert first.sha256 != second.sha256
    assert v1.segments[0].text == SEGMENTS[0].text
    assert (latest.session.version, latest.segments[0].text) == (2, "Mirëdita të gjithëve.")
    assert latest.session.status == "published"
