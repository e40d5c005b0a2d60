"""Each segment's review history: which revision last changed it, and all that did.

A segment keeps its id through review (``kuvend.storage.revisions``), so the revisions naming
it (``RevisionRow.segment_id``: the first segment a change replaced) are its history, and the
newest one's id is the segment's version. A client sends the version it edited; a different
current version means someone else changed the segment meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuvend.storage.tables import RevisionRow, UserRow, as_utc


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
    """The version of every segment (of ``only``, if given) some revision touched: segment
    id -> newest revision id.

    A segment no revision touched is at version 0.
    """
    query = select(RevisionRow.segment_id, func.max(RevisionRow.id)).where(
        RevisionRow.session_id == session_id, RevisionRow.segment_id.is_not(None)
    )
    if only is not None:
        query = query.where(RevisionRow.segment_id.in_(only))
    rows = session.execute(query.group_by(RevisionRow.segment_id))
    return {segment_id: int(version) for segment_id, version in rows if segment_id}


def segment_history(*, session: Session, session_id: str, segment_id: str) -> list[SegmentChange]:
    """The revisions that touched ``segment_id``, newest first (empty when none did)."""
    rows = session.execute(
        select(RevisionRow, UserRow.email)
        .outerjoin(UserRow, UserRow.id == RevisionRow.user_id)
        .where(RevisionRow.session_id == session_id, RevisionRow.segment_id == segment_id)
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
