"""The review workflow over the database: load the draft, apply a change, publish a version.

The changes themselves are the pure functions of :mod:`publish.revisions`; this module loads
the draft they work on and saves what they return, in the caller's database session::

    with session_scope(url) as db:
        minutes = apply_change(session=db, session_id=sid, change=lambda draft: edit_text(
            draft, segment_id, "Corrected text", user_id=user.id))
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend import review as changes
from kuvend.domain import Member
from kuvend.errors import ConflictError, NotFoundError
from kuvend.minutes import Minutes, MinutesAudioStream, MinutesTruncation, thaw
from kuvend.storage.drafts import load_draft_record
from kuvend.storage.media_report import load_media_report
from kuvend.storage.publications import (
    PublishedRecord,
    load_published,
    next_version,
    save_published_version,
)
from kuvend.storage.revisions import save_revision
from kuvend.storage.segment_history import check_versions
from kuvend.storage.tables import SessionRow
from publish import revisions
from publish.build import build_minutes
from publish.formatting import published_text
from publish.revisions import Revised
from publish.versions import FrozenVersion, freeze

log = logging.getLogger(__name__)

#: Statuses whose draft is complete: the pipeline finished (an earlier version may be public).
_PUBLISHABLE = frozenset({"draft", "published"})


def load_draft_minutes(
    *, session: Session, session_id: str, only: Sequence[str] | None = None
) -> Minutes:
    """The session's current draft, as stored, with its figures computed.

    ``only``: a partial draft of just these segments (figures over them alone), for a change
    to one segment; never publish or index it as the session.
    """
    record = load_draft_record(session=session, session_id=session_id, only=only)
    return build_minutes(
        record.session,
        record.segments,
        speakers=record.speakers,
        duration_s=record.duration_s,
        generator=record.generator,
        agenda=record.agenda,
        second_voices=record.second_voices,
        **_media_fields(load_media_report(session=session, session_id=session_id)),
    )


def _media_fields(report: dict[str, Any]) -> dict[str, Any]:
    truncated = report.get("truncated")
    return {
        "audio_streams": [MinutesAudioStream(**item) for item in report.get("audio_streams", [])],
        "truncated": MinutesTruncation(**truncated) if truncated else None,
    }


def apply_change(
    *,
    session: Session,
    session_id: str,
    change: Callable[[Minutes], Revised],
    only: Sequence[str] | None = None,
    expected: Mapping[str, int] | None = None,
) -> Minutes:
    """Apply one change to the stored draft, save its revision, and return the new draft.

    With ``only`` (the segments a one-segment change touches: an edit, a split) the change
    sees and returns a partial draft of those segments; the revision saved is the same.
    With ``expected`` (segment id -> the version a reviewer edited), raises
    ``VersionConflictError`` and saves nothing when one of them changed meanwhile: checked
    in this unit of work with the session locked, so no other change can come in between.
    """
    if expected:
        # PostgreSQL: concurrent changes to one session queue here. SQLite: a unit of work
        # holds the database's write lock from its first statement already.
        session.execute(select(SessionRow.id).where(SessionRow.id == session_id).with_for_update())
        check_versions(session=session, session_id=session_id, expected=expected)
    draft = load_draft_minutes(session=session, session_id=session_id, only=only)
    revised = change(draft)
    revision_id = save_revision(session=session, revision=revised.revision)
    log.info("revision %d (%s) on %s", revision_id, revised.revision.action, session_id)
    return revised.minutes


def publish_draft(
    *, session: Session, session_id: str, user_id: str | None
) -> tuple[FrozenVersion, PublishedRecord]:
    """Freeze the current draft as the next version; earlier versions stay as they were.

    Raises ``ConflictError`` when the session cannot be published (:func:`check_publishable`)
    or when the draft is what the latest version already says: a new version that changes
    nothing would only make readers look for a difference.
    """
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    draft = load_draft_minutes(session=session, session_id=session_id)
    check_publishable(draft, status=row.status, error=row.error)
    version = next_version(session=session, session_id=session_id)
    if version > 1:
        latest = load_published(session=session, session_id=session_id, version=None)
        if freeze(draft, version=version - 1).sha256 == latest.sha256:
            raise ConflictError(
                f"nothing changed since version {version - 1} of session {session_id}: "
                "correct the draft first"
            )
    frozen = freeze(draft, version=version)
    record = save_published_version(
        session=session,
        session_id=session_id,
        version=version,
        minutes_json=frozen.json_text,
        sha256=frozen.sha256,
        published_by=user_id,
    )
    log.info("published %s version %d (%s)", session_id, version, frozen.sha256[:12])
    return frozen, record


def check_publishable(draft: Minutes, *, status: str, error: str | None = None) -> None:
    """Raise ``ConflictError`` (one line: why, and what to do) unless ``draft`` may be published.

    The one rule every door (``kuvend publish``, the API, the editor) goes through: only a
    session whose processing finished (``draft``, or ``published`` for a later version), with
    at least one segment, none of them without text in the exports. ``status`` and ``error``
    are the session row's.
    """
    session_id = draft.session.id
    if status == "failed":
        reason = f" ({error})" if error else ""
        raise ConflictError(
            f"session {session_id} cannot be published: its processing failed{reason}; "
            f"process its recording again (kuvend process), then review and publish"
        )
    if status not in _PUBLISHABLE:
        raise ConflictError(
            f"session {session_id} cannot be published while it is {status}: wait until its "
            f"processing has finished (kuvend sessions show {session_id}), then review and publish"
        )
    if not draft.segments:
        raise ConflictError(
            f"nothing to publish: the minutes have no speech; check that the recording of "
            f"session {session_id} is the right one and holds speech, then process it again"
        )
    # What the exports write: flagged speech is its gap's label, whatever its text.
    script = draft.session.serbian_script
    empty = [s.id for s in draft.segments if not published_text(s, script).strip()]
    if empty:
        which = (
            f"segment {empty[0]} has"
            if len(empty) == 1
            else f"segments {', '.join(empty[:5])} have"
        )
        raise ConflictError(
            f"session {session_id} cannot be published: {which} no text; write the text or "
            f"merge it into a neighbouring segment, then publish again"
        )


def load_public_minutes(
    *, session: Session, session_id: str, version: int | None = None
) -> Minutes:
    """A published version (the latest by default), checked against its hash.

    A session with no published version raises ``NotFoundError``: its draft is never public.
    """
    record = load_published(session=session, session_id=session_id, version=version)
    return thaw(record.minutes_json, record.sha256)


def revise(
    draft: Minutes, change: changes.ReviewChange, members: dict[str, Member], user_id: str
) -> Revised:
    """The revision one review change makes to ``draft``: the matching :mod:`publish.revisions`
    function applied. ``members``: the assembly's, by id (a turn or a name may point at one).

    Raises ``NotFoundError`` for a member not in ``members`` (and what the function raises).
    """

    def member(member_id: str | None) -> Member | None:
        if member_id is None:
            return None
        if member_id not in members:
            raise NotFoundError(f"member {member_id} is not in assembly {draft.session.assembly}")
        return members[member_id]

    match change:
        case changes.EditText(segment_id, text):
            return revisions.edit_text(draft, segment_id, text, user_id=user_id)
        case changes.MoveBoundary(segment_id, to_s):
            return revisions.move_boundary(draft, segment_id, to_s, user_id=user_id)
        case changes.SplitSegment(segment_id, at_s):
            return revisions.split_segment(draft, segment_id, at_s, user_id=user_id)
        case changes.MergeSegments(first_id, second_id):
            return revisions.merge_segments(draft, first_id, second_id, user_id=user_id)
        case changes.AssignTurn(segment_id, member_id, label):
            return revisions.assign_turn(
                draft, segment_id, member=member(member_id), label=label, user_id=user_id
            )
        case changes.NameSpeaker(label, member_id, name):
            return revisions.name_speaker(
                draft, label, member(member_id), guest=name, user_id=user_id
            )
        case changes.SetAgenda(items):
            return revisions.set_agenda(draft, items, user_id=user_id)
