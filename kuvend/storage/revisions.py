"""Persistence of review: each revision, saved with what it replaced.

A revision is saved with what it replaced: corrected segments become new rows and the rows
they replace are marked ``superseded`` (never deleted or overwritten), so the draft's history
can always be read back. A segment keeps its id through a correction (the superseded copy of
its old row takes a fresh history id; the revision's ``before`` names the segment's id), so a
reviewer's links and a client's next edit still find it. The changes a reviewer sends are
``kuvend.review``'s records; ``publish.revisions`` turns one into a :class:`Revision`.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``session_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.minutes import (
    MinutesSegment,
    MinutesSpeaker,
)
from kuvend.storage.tables import (
    AgendaItemRow,
    RevisionRow,
    SegmentRow,
    SpeakerRow,
    as_utc,
    new_id,
)
from kuvend.text import has_cyrillic, serbian_to_cyrillic, serbian_to_latin

RevisionAction = Literal[
    "edit_text",
    "move_boundary",
    "split",
    "merge",
    "assign_turn",
    "name_speaker",
    "set_agenda",
    "attach_material",
    "publish",
]


@dataclass(frozen=True, slots=True)
class Revision:
    """One change to a session's minutes: who made it, when, and the content before and after."""

    session_id: str
    action: RevisionAction
    user_id: str | None
    created_at: datetime
    segment_id: str | None
    """The first segment the change replaced, if it touched segments."""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def save_revision(*, session: Session, revision: Revision) -> int:
    """Record ``revision`` and bring the draft's rows in line with it; returns its id."""
    old_ids = [segment["id"] for segment in revision.before.get("segments", [])]
    new_segments = [
        MinutesSegment.model_validate(segment) for segment in revision.after.get("segments", [])
    ]
    row = RevisionRow(
        session_id=revision.session_id,
        segment_id=revision.segment_id,
        user_id=revision.user_id,
        action=revision.action,
        before=revision.before,
        after=revision.after,
        created_at=revision.created_at,
    )
    session.add(row)
    session.flush()  # its id is the version of every segment it writes
    if old_ids or new_segments:
        _replace_rows(session, revision.session_id, old_ids, new_segments, revision_id=row.id)
    if "speaker" in revision.after:
        _save_speaker(session, revision.session_id, MinutesSpeaker(**revision.after["speaker"]))
    for segment in new_segments:
        # A turn given to a member who had no label in this session brings a new label.
        if segment.speaker and not _speaker_row(session, revision.session_id, segment.speaker):
            session.add(SpeakerRow(session_id=revision.session_id, label=segment.speaker))
    if "agenda" in revision.after:
        _replace_agenda(session, revision.session_id, revision.after["agenda"])
    session.flush()
    return row.id


def _replace_rows(
    session: Session,
    session_id: str,
    old_ids: list[str],
    new: list[MinutesSegment],
    *,
    revision_id: int,
) -> None:
    old_rows = {
        row.id: row
        for row in session.scalars(
            select(SegmentRow).where(
                SegmentRow.session_id == session_id, SegmentRow.id.in_(old_ids)
            )
        )
    }
    missing = [segment_id for segment_id in old_ids if segment_id not in old_rows]
    if missing or any(row.superseded for row in old_rows.values()):
        raise NotFoundError(f"segments {missing or old_ids} are no longer in the draft")
    template = old_rows[old_ids[0]] if old_ids else None
    for row in old_rows.values():
        session.expunge(row)  # the rows are rewritten below by statements, not by the ORM
    for old_id in old_ids:
        # The old row stays as history under a fresh id, so that the segment's id (kept by an
        # edit, by a split's first part, by a merge's first segment) belongs to the live row
        # only. Superseded rows count as reviewed: re-running recognition never deletes them.
        session.execute(
            update(SegmentRow)
            .where(SegmentRow.id == old_id)
            .values(id=new_id(), superseded=True, reviewed=True),
            execution_options={"synchronize_session": False},
        )
    position = session.scalar(
        select(func.coalesce(func.max(SegmentRow.position), 0)).where(
            SegmentRow.session_id == session_id
        )
    )
    for offset, segment in enumerate(new, start=1):
        row = _row(session_id, segment, (position or 0) + offset, template)
        row.revision_id = revision_id
        session.add(row)
    session.flush()


def _row(
    session_id: str, segment: MinutesSegment, position: int, template: SegmentRow | None
) -> SegmentRow:
    other_script = None
    if segment.language == "sr" and template is not None and template.text_other_script:
        other_script = (
            serbian_to_latin(segment.text)
            if has_cyrillic(segment.text)
            else serbian_to_cyrillic(segment.text)
        )
    return SegmentRow(
        id=segment.id,
        session_id=session_id,
        chunk_index=template.chunk_index if template else 0,
        position=position,
        start_s=segment.start,
        end_s=segment.end,
        speaker_label=segment.speaker,
        language=segment.language,
        language_probability=segment.language_p or 0.0,
        text=segment.text,
        text_other_script=other_script,
        words=[word.model_dump(mode="json") for word in segment.words],
        avg_logprob=segment.avg_logprob or 0.0,
        no_speech_prob=segment.no_speech_prob or 0.0,
        compression_ratio=segment.compression_ratio or 0.0,
        flag=segment.flag,
        # Two voices at once stay two voices once a reviewer has corrected the text.
        overlap=segment.overlap,
        reviewed=segment.reviewed,
    )


def _speaker_row(session: Session, session_id: str, label: str) -> SpeakerRow | None:
    return session.scalar(
        select(SpeakerRow).where(SpeakerRow.session_id == session_id, SpeakerRow.label == label)
    )


def _save_speaker(session: Session, session_id: str, speaker: MinutesSpeaker) -> None:
    row = _speaker_row(session, session_id, speaker.id)
    if row is None:
        row = SpeakerRow(session_id=session_id, label=speaker.id)
        session.add(row)
    row.member_id = speaker.member_id
    row.guest_name = speaker.name if speaker.member_id is None else None
    session.flush()


def _replace_agenda(session: Session, session_id: str, items: list[dict[str, Any]]) -> None:
    published = bool(
        session.scalar(
            select(func.count())
            .select_from(AgendaItemRow)
            .where(AgendaItemRow.session_id == session_id, AgendaItemRow.published.is_(True))
        )
    )
    session.execute(delete(AgendaItemRow).where(AgendaItemRow.session_id == session_id))
    session.add_all(
        AgendaItemRow(
            session_id=session_id,
            position=position,
            start_s=item.get("start"),
            title=item["title"],
            published=published,
        )
        for position, item in enumerate(items)
    )
    session.flush()


def load_revisions(*, session: Session, session_id: str) -> list[Revision]:
    """The session's revisions, oldest first."""
    rows = session.scalars(
        select(RevisionRow).where(RevisionRow.session_id == session_id).order_by(RevisionRow.id)
    )
    return [
        Revision(
            session_id=row.session_id,
            action=row.action,  # type: ignore[arg-type]
            user_id=row.user_id,
            created_at=as_utc(row.created_at),
            segment_id=row.segment_id,
            before=row.before,
            after=row.after,
        )
        for row in rows
    ]
