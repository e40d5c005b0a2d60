"""Every segment a change rewrites gets a new version, and a change made from an old version
is refused in the same transaction that would save it (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from kuvend.errors import VersionConflictError
from kuvend.minutes import Minutes
from kuvend.storage.db import session_scope
from kuvend.storage.segment_history import segment_history, segment_versions
from kuvend.storage.tables import RevisionRow
from publish.review import apply_change, load_draft_minutes
from publish.revisions import Revised, assign_turn, edit_text, move_boundary
from tests.publish.factories import MARKO
from tests.publish.test_review_storage import _stored_session


def _change(
    url: str, session_id: str, change: Callable[[Minutes], Revised], **expected: int
) -> None:
    with session_scope(url) as db:
        apply_change(session=db, session_id=session_id, change=change, expected=expected or None)


def _versions(url: str, session_id: str) -> dict[str, int]:
    with session_scope(url) as db:
        return segment_versions(session=db, session_id=session_id)


def _state(url: str, session_id: str) -> tuple[list[tuple[str, str]], int]:
    with session_scope(url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
        revisions = db.scalar(select(func.count()).select_from(RevisionRow))
    return [(s.id, s.text) for s in draft.segments], int(revisions or 0)


def test_a_moved_boundary_and_a_turn_give_each_segment_they_rewrite_a_new_version(
    database_url: str,
) -> None:
    session_id = _stored_session(database_url)
    ids = [segment_id for segment_id, _ in _state(database_url, session_id)[0]]
    assert _versions(database_url, session_id) == {}  # as recognised: all at version 0

    _change(database_url, session_id, lambda m: move_boundary(m, ids[0], 6.8, user_id=None))
    moved = _versions(database_url, session_id)
    assert moved[ids[0]] == moved[ids[1]] > 0
    assert set(moved) == {ids[0], ids[1]}

    # S1's turn is ids[2] and ids[3]: giving it to Marko rewrites both.
    _change(database_url, session_id, lambda m: assign_turn(m, ids[2], member=MARKO, user_id=None))
    turned = _versions(database_url, session_id)
    assert turned[ids[2]] == turned[ids[3]] > moved[ids[0]]
    with session_scope(database_url) as db:
        history = segment_history(session=db, session_id=session_id, segment_id=ids[3])
    assert [change.action for change in history] == ["assign_turn"]

    # An edit of ids[3] made from before the turn is refused; nothing is saved.
    before = _state(database_url, session_id)
    with pytest.raises(VersionConflictError) as refused:
        _change(
            database_url,
            session_id,
            lambda m: edit_text(m, ids[3], "Tekst i vjetër.", user_id=None),
            **{ids[3]: 0},
        )
    assert refused.value.segment_id == ids[3]
    assert _state(database_url, session_id) == before
    # From the current version it goes through.
    _change(
        database_url,
        session_id,
        lambda m: edit_text(m, ids[3], "Tekst i ri.", user_id=None),
        **{ids[3]: turned[ids[3]]},
    )
    assert dict(_state(database_url, session_id)[0])[ids[3]] == "Tekst i ri."


def test_of_two_changes_from_one_version_only_the_first_is_saved(database_url: str) -> None:
    session_id = _stored_session(database_url)
    target = _state(database_url, session_id)[0][0][0]
    # Each change waits (up to 2 s) for the other to reach the same point: without the
    # check and the save in one locked transaction, both would pass the check and save.
    meet = threading.Barrier(2, timeout=2.0)
    outcomes: list[str] = []

    def edit(text: str) -> None:
        def change(minutes: Minutes) -> Revised:
            # A broken barrier: the other one is waiting for this transaction, as it should.
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
            return edit_text(minutes, target, text, user_id=None)

        try:
            _change(database_url, session_id, change, **{target: 0})
            outcomes.append(text)
        except VersionConflictError:
            outcomes.append("refused")

    clerks = [threading.Thread(target=edit, args=(text,)) for text in ("Ana.", "Besa.")]
    for clerk in clerks:
        clerk.start()
    for clerk in clerks:
        clerk.join(timeout=60)
    assert sorted(outcomes) in (["Ana.", "refused"], ["Besa.", "refused"])
    saved = dict(_state(database_url, session_id)[0])[target]
    assert saved == next(text for text in outcomes if text != "refused")
