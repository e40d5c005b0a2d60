"""Each segment's review history: which revision last changed it, and all that did.

A segment keeps its id through review (``kuvend.storage.revisions``), so the revisions naming
it (``RevisionRow.segment_id``: the first segment a change replaced) are its history. Its
version is the id of the revision that wrote its live row (``SegmentRow.revision_id``), so a
change that rewrites several segments (a moved boundary, a turn) gives each a new version. A
client sends the version it edited; a different current version means someone else changed
the segment meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kuvend.errors import VersionConflictError
from kuvend.storage.tables import RevisionRow, SegmentRow, UserRow, as_utc


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """One revision that touched a segment: its id (the version it made), who and when."""

    revision_id: int
    action: str
    user_email: str | None
    created_at: datetime
    before_text: str | None
    after_text: str | None


def segment_versions(
    *, session: Session, session_id: str, only: Sequence[str] | None = None
) -> dict[str, int]:
    """The version of every live segment (of ``only``, if given) a revision wrote: segment
    id -> the id of the revision that last wrote it.

    A segment no revision wrote (as recognised) is at version 0 and left out.
    """
    query = select(SegmentRow.id, SegmentRow.revision_id).where(
        SegmentRow.session_id == session_id,
        SegmentRow.superseded.is_(False),
        SegmentRow.revision_id.is_not(None),
    )
    if only is not None:
        query = query.where(SegmentRow.id.in_(only))
    return {segment_id: version or 0 for segment_id, version in session.execute(query)}


def check_versions(*, session: Session, session_id: str, expected: Mapping[str, int]) -> None:
    """Raise ``VersionConflictError`` unless every segment of ``expected`` (id -> the version the
    reviewer edited) is still in the draft at that version.

    Call it in the unit of work that then saves the change, after locking the session
    (``publish.review.apply_change`` does), so that nothing can change in between.
    """
    live = session.execute(
        select(SegmentRow.id, SegmentRow.revision_id).where(
            SegmentRow.session_id == session_id,
            SegmentRow.superseded.is_(False),
            SegmentRow.id.in_(list(expected)),
        )
    )
    current = {segment_id: version or 0 for segment_id, version in live}
    for segment_id, version in expected.items():
        if current.get(segment_id) == version:
            continue
        # Who made the current version; for a segment gone from the draft (merged into
        # another), the newest revision filed under it, else the session's newest.
        query = (
            select(UserRow.email, RevisionRow.created_at)
            .select_from(RevisionRow)
            .outerjoin(UserRow, UserRow.id == RevisionRow.user_id)
            .order_by(RevisionRow.id.desc())
            .limit(1)
        )
        if current.get(segment_id):
            query = query.where(RevisionRow.id == current[segment_id])
        else:
            query = query.where(RevisionRow.session_id == session_id)
            filed = query.where(RevisionRow.segment_id == segment_id)
            query = filed if session.execute(filed).first() else query
        found = session.execute(query).first()
        email, when = (found[0], as_utc(found[1])) if found else (None, datetime.now(UTC))
        raise VersionConflictError(segment_id, email, when)


def segment_history(*, session: Session, session_id: str, segment_id: str) -> list[SegmentChange]:
    """The revisions that touched ``segment_id``, newest first (empty when none did)."""
    # Filed under it, or the change that wrote its current row (a turn, a moved boundary).
    version = segment_versions(session=session, session_id=session_id, only=[segment_id])
    touched = RevisionRow.segment_id == segment_id
    if segment_id in version:
        touched = or_(touched, RevisionRow.id == version[segment_id])
    rows = session.execute(
        select(RevisionRow, UserRow.email)
        .outerjoin(UserRow, UserRow.id == RevisionRow.user_id)
        .where(RevisionRow.session_id == session_id, touched)
        .order_by(RevisionRow.id.desc())
    )
    return [
        SegmentChange(
            revision_id=row.id,
            action=row.action,
            user_email=email,
            created_at=as_utc(row.created_at),
            before_text=_text(row.before, segment_id),
            after_text=_text(row.after, segment_id),
        )
        for row, email in rows
    ]


def _text(content: dict[str, object], segment_id: str) -> str | None:
    segments = content.get("segments")
    if not isinstance(segments, list):
        return None
    texts = [s.get("text") for s in segments if isinstance(s, dict) and s.get("id") == segment_id]
    return str(texts[0]) if texts else None
