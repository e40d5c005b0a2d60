"""The draft under review as stored: header, gaps, agenda, speakers and current segments.

Domain records only: ``publish.build`` turns them into the published form (rounding, figures,
what a reviewed segment shows). Every function takes a keyword-only SQLAlchemy ``session`` and
leaves committing to the caller (``session_scope``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend.domain import (
    AgendaItem,
    DraftSegment,
    DraftSpeaker,
    Member,
    SessionInfo,
    SpeakerTurn,
)
from kuvend.storage.second_voices import load_second_voices
from kuvend.storage.segments import to_segment
from kuvend.storage.sessions import get_session, load_session_info
from kuvend.storage.tables import AgendaItemRow, MemberRow, SegmentRow, SpeakerRow


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """What a session's draft is made of, as stored (figures are computed by ``publish``).

    ``segments`` are the current (not superseded) ones in time order (start, then chunk, then
    as recognised); ``speakers`` are ordered by label (S1, S2, … S10); ``agenda`` holds the
    items placed on the session clock, in time order; ``duration_s`` is in seconds.
    """

    session: SessionInfo
    duration_s: float
    generator: str | None
    agenda: list[AgendaItem]
    speakers: list[DraftSpeaker]
    segments: list[DraftSegment]
    second_voices: list[SpeakerTurn]
    """Who else spoke where two people spoke at once (``Diarization.second_voices``)."""


def load_draft_record(
    *, session: Session, session_id: str, only: Sequence[str] | None = None
) -> DraftRecord:
    """The current segments, speakers, agenda and header of a session; ``NotFoundError`` if
    there is no such session.

    ``only``: just these segments (a change that touches one segment of a three-hour session
    need not read the other thousands).
    """
    info = load_session_info(session=session, session_id=session_id)
    row = get_session(session=session, session_id=session_id)
    segment_query = select(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if only is not None:
        segment_query = segment_query.where(SegmentRow.id.in_(only))
    segment_rows = session.scalars(
        segment_query.order_by(SegmentRow.start_s, SegmentRow.chunk_index, SegmentRow.position)
    )
    agenda_rows = session.scalars(
        select(AgendaItemRow)
        .where(AgendaItemRow.session_id == session_id, AgendaItemRow.start_s.is_not(None))
        .order_by(AgendaItemRow.start_s)
    )
    return DraftRecord(
        session=info,
        duration_s=row.duration_s,
        generator=row.generator,
        agenda=[AgendaItem(start_s=a.start_s or 0.0, title=a.title) for a in agenda_rows],
        speakers=_draft_speakers(session, session_id),
        segments=[DraftSegment(r.id, to_segment(r), r.reviewed) for r in segment_rows],
        # A partial draft serves a change to a few segments, which never touches these.
        second_voices=(
            [] if only is not None else load_second_voices(session=session, session_id=session_id)
        ),
    )


def _draft_speakers(session: Session, session_id: str) -> list[DraftSpeaker]:
    rows = list(session.scalars(select(SpeakerRow).where(SpeakerRow.session_id == session_id)))
    rows.sort(key=lambda r: (len(r.label), r.label))
    members = {
        member.id: member
        for member in session.scalars(
            select(MemberRow).where(MemberRow.id.in_([r.member_id for r in rows]))
        )
    }
    return [
        DraftSpeaker(r.label, _member(members.get(r.member_id or "")), r.guest_name) for r in rows
    ]


def _member(row: MemberRow | None) -> Member | None:
    # The draft names speakers; their voiceprints are not read.
    if row is None:
        return None
    return Member(
        id=row.id, assembly=row.assembly_slug, name=row.name, party=row.party, role=row.role
    )
