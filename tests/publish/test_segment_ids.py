"""A segment keeps its id through review, and recognition gives the same ids when run again.

On SQLite and PostgreSQL: the second edit of a segment uses the id the first one returned (it
used to fail with "segment … is not in the draft"), a split keeps the id on the first part, a
merge keeps the earlier segment's, and each segment's history and version follow it.
"""

from __future__ import annotations

from dataclasses import replace

from kuvend.storage.db import session_scope
from kuvend.storage.segment_history import segment_history, segment_versions
from kuvend.storage.segments import replace_session_segments
from publish import build_minutes
from publish.review import apply_change, load_draft_minutes
from publish.revisions import assign_turn, edit_text, merge_segments, move_boundary, split_segment
from tests.publish.factories import MARKO, SEGMENTS, SESSION, SPEAKERS
from tests.publish.test_review_storage import _stored_session


def _ids(url: str, session_id: str) -> list[str]:
    with session_scope(url) as db:
        return [s.id for s in load_draft_minutes(session=db, session_id=session_id).segments]


def test_ids_survive_edits_splits_merges_and_turns(database_url: str) -> None:
    session_id = _stored_session(database_url)
    ids = _ids(database_url, session_id)
    first = ids[0]
    for text in ("Mirëdita, e hapi seancën.", "Mirëdita të gjithëve, e hap seancën."):
        with session_scope(database_url) as db:
            draft = apply_change(
                session=db,
                session_id=session_id,
                change=lambda m, text=text: edit_text(m, first, text, user_id=None),
            )
        assert draft.segments[0].id == first
        assert draft.segments[0].text == text

    target = ids[3]
    with session_scope(database_url) as db:
        draft = apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: split_segment(m, target, 25.0, user_id=None),
        )
    halves = [s for s in draft.segments if s.start < 25.0 < s.end or s.id == target]
    new_ids = [s.id for s in draft.segments]
    assert new_ids[3] == target and draft.segments[3].end == 25.0
    second_half = new_ids[4]
    assert second_half not in ids and draft.segments[4].start == 25.0
    assert halves

    with session_scope(database_url) as db:
        draft = apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: merge_segments(m, ids[1], ids[2], user_id=None),
        )
    assert [s.id for s in draft.segments][:3] == [first, ids[1], target]

    with session_scope(database_url) as db:
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: assign_turn(m, target, member=MARKO, user_id=None),
        )
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: move_boundary(m, target, 24.0, user_id=None),
        )
    after = _ids(database_url, session_id)
    assert after[:4] == [first, ids[1], target, second_half]
    assert ids[2] not in after  # merged into ids[1]

    with session_scope(database_url) as db:
        history = segment_history(session=db, session_id=session_id, segment_id=first)
        versions = segment_versions(session=db, session_id=session_id)
    assert [change.action for change in history] == ["edit_text", "edit_text"]
    assert history[0].after_text == "Mirëdita të gjithëve, e hap seancën."
    assert history[1].before_text == SEGMENTS[0].text
    assert versions[first] == history[0].revision_id
    assert versions[target] > versions[first]  # changed last


def test_recognition_run_again_gives_the_same_ids(database_url: str) -> None:
    session_id = _stored_session(database_url)
    ids = _ids(database_url, session_id)
    assert len(set(ids)) == len(ids)
    with session_scope(database_url) as db:
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, ids[1], "Hvala, imam pitanje.", user_id=None),
        )
    rerun = [replace(s, text=s.text.upper()) for s in SEGMENTS]
    with session_scope(database_url) as db:
        replace_session_segments(session=db, session_id=session_id, segments=rerun)
    assert _ids(database_url, session_id) == ids


def test_minutes_built_from_recognition_carry_the_ids_it_stores(database_url: str) -> None:
    # Two segments starting together in one chunk take the next ordinal, as when saved.
    twins = (*SEGMENTS, replace(SEGMENTS[2], end_s=17.0, text="Po."))
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        replace_session_segments(session=db, session_id=session_id, segments=twins)
    built = build_minutes(SESSION, twins, speakers=SPEAKERS, duration_s=52.0)
    assert [s.id for s in built.segments] == _ids(database_url, session_id)
