"""Recognised segments and a session's speakers, as the stages write and read them.

A chunk's segments and a session's speakers are replaced as a whole; reviewed segments outlive
recognition. Segment ids are derived from the session, the chunk, the start and an ordinal
(``kuvend.domain.segment_ids``), so running recognition again over the same audio gives the
same ids. Review changes to segments are saved by ``kuvend.storage.revisions``.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``kuvend.storage.db.session_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kuvend.domain import Embedding, Segment, Word, segment_ids
from kuvend.storage.members import embedding_bytes, embedding_from_bytes
from kuvend.storage.tables import (
    SegmentRow,
    SpeakerRow,
)
from kuvend.types import segment_flag


@dataclass(frozen=True, slots=True)
class StoredSpeaker:
    """A session's speaker: its label, the member it was named as, its voice centroid."""

    label: str
    member_id: str | None
    centroid: Embedding | None
    seconds: float
    guest_name: str | None = None
    """A name a reviewer gave a speaker who is not a member."""
    voice_space: str | None = None
    """The encoder that measured ``centroid``; None: not recorded (an older session)."""


def replace_speakers(
    *, session: Session, session_id: str, speakers: Iterable[StoredSpeaker]
) -> int:
    """Replace the session's speakers (labels, members, centroids)."""
    session.execute(delete(SpeakerRow).where(SpeakerRow.session_id == session_id))
    rows = [
        SpeakerRow(
            session_id=session_id,
            label=s.label,
            member_id=s.member_id,
            guest_name=s.guest_name,
            centroid=None if s.centroid is None else embedding_bytes(s.centroid),
            seconds=s.seconds,
            voice_space=s.voice_space,
        )
        for s in speakers
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def load_speakers(*, session: Session, session_id: str) -> list[StoredSpeaker]:
    """The session's speakers ordered by label (S1, S2, … S10 in numeric order)."""
    rows = list(session.scalars(select(SpeakerRow).where(SpeakerRow.session_id == session_id)))
    rows.sort(key=lambda r: (len(r.label), r.label))
    return [
        StoredSpeaker(
            label=r.label,
            member_id=r.member_id,
            centroid=None if r.centroid is None else embedding_from_bytes(r.centroid),
            seconds=r.seconds,
            guest_name=r.guest_name,
            voice_space=r.voice_space,
        )
        for r in rows
    ]


def _segment_row(session_id: str, position: int, segment: Segment, segment_id: str) -> SegmentRow:
    return SegmentRow(
        id=segment_id,
        session_id=session_id,
        chunk_index=segment.chunk_index,
        position=position,
        start_s=segment.start_s,
        end_s=segment.end_s,
        speaker_label=segment.speaker,
        language=segment.language,
        language_probability=segment.language_probability,
        text=segment.text,
        text_other_script=segment.text_other_script,
        words=[
            {
                "start": float(w.start_s),
                "end": float(w.end_s),
                "word": w.text,
                "p": float(w.probability),
                "low": bool(w.low_confidence),
            }
            for w in segment.words
        ],
        avg_logprob=segment.avg_logprob,
        no_speech_prob=segment.no_speech_prob,
        compression_ratio=segment.compression_ratio,
        flag=segment.flag,
        overlap=segment.overlap,
    )


def to_segment(row: SegmentRow) -> Segment:
    """A stored segment row as the domain segment it was saved from."""
    return Segment(
        start_s=row.start_s,
        end_s=row.end_s,
        text=row.text,
        language=row.language,
        language_probability=row.language_probability,
        words=tuple(
            Word(w["start"], w["end"], w["word"], w["p"], w.get("low", False)) for w in row.words
        ),
        avg_logprob=row.avg_logprob,
        no_speech_prob=row.no_speech_prob,
        compression_ratio=row.compression_ratio,
        chunk_index=row.chunk_index,
        speaker=row.speaker_label,
        text_other_script=row.text_other_script,
        flag=segment_flag(row.flag),
        overlap=row.overlap,
    )


def _reviewed_spans(session: Session, session_id: str) -> list[tuple[float, float]]:
    rows = session.execute(
        select(SegmentRow.start_s, SegmentRow.end_s).where(
            SegmentRow.session_id == session_id,
            SegmentRow.reviewed.is_(True),
            SegmentRow.superseded.is_(False),
        )
    )
    return [(start, end) for start, end in rows]


def _replace_segments(
    session: Session, session_id: str, chunk_index: int | None, segments: Iterable[Segment]
) -> int:
    # Reviewers' work outlives recognition: reviewed segments stay, and new segments that
    # overlap one are dropped rather than shown twice.
    query = delete(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.reviewed.is_(False)
    )
    if chunk_index is not None:
        query = query.where(SegmentRow.chunk_index == chunk_index)
    session.execute(query)
    reviewed = _reviewed_spans(session, session_id)
    kept = [
        s
        for s in segments
        if not any(s.start_s < end and start < s.end_s for start, end in reviewed)
    ]
    # A reviewed or superseded row may hold an id already (its start moved since).
    taken = session.scalars(select(SegmentRow.id).where(SegmentRow.session_id == session_id))
    ids = segment_ids(session_id, kept, taken=taken)
    for position, (segment, segment_id) in enumerate(zip(kept, ids, strict=True)):
        session.add(_segment_row(session_id, position, segment, segment_id))
    session.flush()
    return len(kept)


def replace_chunk_segments(
    *, session: Session, session_id: str, chunk_index: int, segments: Iterable[Segment]
) -> int:
    """Replace one chunk's recognised segments (reviewed ones stay); returns how many were kept."""
    return _replace_segments(session, session_id, chunk_index, segments)


def replace_session_segments(
    *, session: Session, session_id: str, segments: Iterable[Segment]
) -> int:
    """Replace all of a session's unreviewed segments (after attribution has split them)."""
    return _replace_segments(session, session_id, None, segments)


def load_segments(
    *, session: Session, session_id: str, chunk_index: int | None = None
) -> list[Segment]:
    """The session's current segments (or one chunk's), in time order."""
    query = select(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if chunk_index is not None:
        query = query.where(SegmentRow.chunk_index == chunk_index)
    query = query.order_by(SegmentRow.start_s, SegmentRow.chunk_index, SegmentRow.position)
    return [to_segment(row) for row in session.scalars(query)]
