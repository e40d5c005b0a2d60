"""The draft under review as stored: header, gaps, agenda, speakers and current segments.

Figures (speaking time, statistics) are computed by ``publish``. Every function takes a
keyword-only SQLAlchemy ``session`` and leaves committing to the caller (``session_scope``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.minutes import (
    MinutesAgendaItem,
    MinutesGap,
    MinutesSegment,
    MinutesSpeaker,
    MinutesWord,
)
from kuvend.storage.tables import (
    AgendaItemRow,
    AssemblyRow,
    GapRow,
    MemberRow,
    SegmentRow,
    SessionRow,
    SpeakerRow,
)
from kuvend.types import segment_flag


@dataclass(frozen=True, slots=True)
class DraftParts:
    """What the draft minutes are made of, as stored (figures are computed by ``publish``)."""

    session_id: str
    assembly: str
    assembly_name: str
    title: str
    date: str
    duration_s: float
    languages: list[str]
    serbian_script: Literal["latin", "cyrillic"]
    generator: str | None
    gaps: list[MinutesGap]
    agenda: list[MinutesAgendaItem]
    speakers: list[MinutesSpeaker]
    segments: list[MinutesSegment]


def load_draft_parts(
    *, session: Session, session_id: str, only: Sequence[str] | None = None
) -> DraftParts:
    """The current (not superseded) segments, speakers, agenda and header of a session.

    ``only``: just these segments (a change that touches one segment of a three-hour session
    need not read the other thousands).
    """
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    assembly = session.get(AssemblyRow, row.assembly_slug)
    segment_query = select(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if only is not None:
        segment_query = segment_query.where(SegmentRow.id.in_(only))
    segment_rows = session.scalars(
        segment_query.order_by(SegmentRow.start_s, SegmentRow.chunk_index, SegmentRow.position)
    )
    speaker_rows = list(
        session.scalars(select(SpeakerRow).where(SpeakerRow.session_id == session_id))
    )
    speaker_rows.sort(key=lambda r: (len(r.label), r.label))
    members = {
        member.id: member
        for member in session.scalars(
            select(MemberRow).where(MemberRow.id.in_([r.member_id for r in speaker_rows]))
        )
    }
    agenda_rows = session.scalars(
        select(AgendaItemRow)
        .where(AgendaItemRow.session_id == session_id, AgendaItemRow.start_s.is_not(None))
        .order_by(AgendaItemRow.start_s)
    )
    gap_rows = session.scalars(
        select(GapRow).where(GapRow.session_id == session_id).order_by(GapRow.start_s)
    )
    return DraftParts(
        session_id=row.id,
        assembly=row.assembly_slug,
        assembly_name=assembly.name if assembly else row.assembly_slug,
        title=row.title,
        date=row.date.isoformat(),
        duration_s=row.duration_s,
        languages=list(row.languages),
        serbian_script="cyrillic"
        if assembly and assembly.serbian_script == "cyrillic"
        else "latin",
        generator=row.generator,
        gaps=[MinutesGap(start=g.start_s, end=g.end_s, reason=g.reason) for g in gap_rows],
        agenda=[MinutesAgendaItem(start=a.start_s or 0.0, title=a.title) for a in agenda_rows],
        speakers=[_speaker_entry(r, members.get(r.member_id or "")) for r in speaker_rows],
        segments=[_segment_entry(r) for r in segment_rows],
    )


def _speaker_entry(row: SpeakerRow, member: MemberRow | None) -> MinutesSpeaker:
    if member is None:
        return MinutesSpeaker(id=row.label, name=row.guest_name)
    return MinutesSpeaker(id=row.label, member_id=member.id, name=member.name, party=member.party)


def _segment_entry(row: SegmentRow) -> MinutesSegment:
    return MinutesSegment(
        id=row.id,
        start=round(row.start_s, 3),
        end=round(row.end_s, 3),
        speaker=row.speaker_label,
        language=row.language,
        text=row.text.strip(),
        words=[
            MinutesWord(
                start=round(w["start"], 3),
                end=round(w["end"], 3),
                word=str(w["word"]).strip(),
                p=min(1.0, max(0.0, round(w["p"], 3))),
            )
            for w in row.words
        ],
        language_p=round(row.language_probability, 3),
        avg_logprob=round(row.avg_logprob, 3),
        no_speech_prob=round(row.no_speech_prob, 3),
        compression_ratio=round(row.compression_ratio, 3),
        # A reviewed segment has been checked; the transcriber's doubts no longer apply.
        low_confidence_words=[]
        if row.reviewed
        else [i for i, w in enumerate(row.words) if w.get("low", False)],
        # A reviewed segment's text is the reviewer's: the gap has been filled.
        flag=None if row.reviewed else segment_flag(row.flag),
        reviewed=row.reviewed,
    )
