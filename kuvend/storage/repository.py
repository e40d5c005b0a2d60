"""Persistence of a session's processing: sessions, chunks and their states, gaps, speakers,
segments and stage artifacts. Every function takes a keyword-only SQLAlchemy ``session`` and
leaves committing to the caller (``kuvend.storage.db.session_scope``).

Re-running a stage never duplicates what it wrote: chunks are upserted by (session, index);
a chunk's segments, a session's gaps and speakers are replaced as a whole; an artifact is keyed
by session, chunk, stage and a hash of the options that made it, and saving one that exists is
refused by the primary key. That key is what lets a redelivered Celery task (issue 6) find its
work done: ``save_artifact`` in the same transaction as the stage's rows makes the two atomic,
and a concurrent duplicate loses on the key and rolls back its rows with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date as date_type
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuvend.domain import AudioChunk, Embedding, Gap, Member, Segment, SessionInfo, Word
from kuvend.errors import NotFoundError
from kuvend.storage.tables import (
    ArtifactRow,
    AssemblyRow,
    ChunkRow,
    GapRow,
    MemberRow,
    SegmentRow,
    SessionRow,
    SpeakerRow,
)
from kuvend.types import LanguageCode, segment_flag

ChunkState = Literal["queued", "running", "done", "failed"]
SessionStatus = Literal[
    "scheduled", "recording", "stopping", "queued", "processing", "draft", "published", "failed"
]

# -- embeddings --------------------------------------------------------------------------------


def embedding_bytes(embedding: Embedding) -> bytes:
    """How a voice embedding is stored: float32, little-endian."""
    return embedding.astype("<f4").tobytes()


def embedding_from_bytes(stored: bytes) -> Embedding:
    """A stored voice embedding back as an array (see :func:`embedding_bytes`)."""
    return np.frombuffer(stored, dtype="<f4")


# -- artifacts ---------------------------------------------------------------------------------


def _plain(value: object) -> object:
    # json.dumps calls this for what it cannot write itself; dataclasses nest (asdict recurses).
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def options_hash(options: object) -> str:
    """A short, stable hash of what shaped a stage's result: options dataclasses, model names,
    versions, in any nesting of tuples, lists and mappings."""
    canonical = json.dumps(
        _plain(options) if dataclasses.is_dataclass(options) else options,
        sort_keys=True,
        default=_plain,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _json_scalar(value: object) -> object:
    # Numeric code hands over numpy scalars (np.float32, np.bool) that json cannot write.
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def artifact_key(session_id: str, chunk_index: int | None, stage: str, options: object) -> str:
    """The key of a stage's result: session, chunk (``-`` for session-wide), stage, options."""
    chunk = "-" if chunk_index is None else str(chunk_index)
    return f"{session_id}:{chunk}:{stage}:{options_hash(options)}"


def load_artifact(*, session: Session, key: str) -> dict[str, Any] | None:
    """The payload saved under ``key``, or None if the stage has not finished it."""
    row = session.get(ArtifactRow, key)
    return None if row is None else row.payload


def save_artifact(
    *, session: Session, key: str, session_id: str | None, payload: Mapping[str, Any]
) -> bool:
    """Record a finished stage; False (and nothing written) if ``key`` was already recorded.

    Runs in a savepoint, so that losing the race on the key leaves the caller's transaction
    usable: the caller then rolls back (or skips) the rows it meant to save with it.
    """
    plain = json.loads(json.dumps(payload, default=_json_scalar))
    try:
        with session.begin_nested():
            session.add(ArtifactRow(key=key, session_id=session_id, payload=plain))
    except IntegrityError:
        return False
    return True


def delete_artifacts(*, session: Session, session_id: str, stage: str | None = None) -> int:
    """Forget a session's artifacts (of one stage, or all), so that the stages run again."""
    query = delete(ArtifactRow).where(ArtifactRow.session_id == session_id)
    if stage is not None:
        query = query.where(ArtifactRow.key.like(f"%:{stage}:%"))
    return session.execute(query).rowcount  # type: ignore[attr-defined, no-any-return]


def claim_once(*, session: Session, session_id: str, name: str, owner: str) -> bool:
    """True for the one ``owner`` that claims ``name`` for this session, and for it again later.

    Used so that a session-wide step enqueued twice (two last chunks finishing together) runs
    once, while the same task redelivered after a crash (same owner, the Celery task id) may
    carry on. The claim is an artifact, so it is atomic on both SQLite and PostgreSQL.
    """
    key = f"{session_id}:-:claim:{name}"
    if save_artifact(session=session, key=key, session_id=session_id, payload={"owner": owner}):
        session.flush()
        return True
    existing = load_artifact(session=session, key=key)
    return existing is not None and existing.get("owner") == owner


# -- assemblies and sessions -------------------------------------------------------------------


def ensure_assembly(
    *,
    session: Session,
    slug: str,
    name: str | None = None,
    languages: Iterable[LanguageCode] = ("sq", "sr"),
) -> AssemblyRow:
    """The assembly ``slug``, created with ``name`` and ``languages`` if it does not exist."""
    row = session.get(AssemblyRow, slug)
    if row is None:
        row = AssemblyRow(slug=slug, name=name or slug, languages=list(languages))
        session.add(row)
        session.flush()
    return row


def create_session(
    *,
    session: Session,
    assembly: str,
    title: str,
    date: date_type,
    languages: Iterable[LanguageCode] = ("sq", "sr"),
    media_sha256: str | None = None,
    media_path: Path | None = None,
    status: SessionStatus = "queued",
    session_id: str | None = None,
) -> SessionRow:
    """A new session row (the assembly is created if it is unknown)."""
    languages = list(languages)
    ensure_assembly(session=session, slug=assembly, languages=languages)
    row = SessionRow(
        assembly_slug=assembly,
        title=title,
        date=date,
        languages=languages,
        media_sha256=media_sha256,
        media_path=None if media_path is None else str(media_path),
        status=status,
    )
    if session_id is not None:
        row.id = session_id
    session.add(row)
    session.flush()
    return row


def get_session(*, session: Session, session_id: str) -> SessionRow:
    """The session row; ``NotFoundError`` if there is none."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    return row


def load_session_info(*, session: Session, session_id: str) -> SessionInfo:
    """The session as the stages see it: metadata, the assembly's script, and its gaps."""
    row = get_session(session=session, session_id=session_id)
    assembly = session.get(AssemblyRow, row.assembly_slug)
    script = assembly.serbian_script if assembly is not None else "latin"
    return SessionInfo(
        id=row.id,
        assembly=row.assembly_slug,
        title=row.title,
        date=row.date,
        languages=tuple(row.languages),
        serbian_script="cyrillic" if script == "cyrillic" else "latin",
        gaps=tuple(load_gaps(session=session, session_id=session_id)),
    )


def set_session_status(
    *,
    session: Session,
    session_id: str,
    status: SessionStatus,
    error: str | None = None,
    duration_s: float | None = None,
) -> None:
    """Move a session to ``status``; ``error`` is kept (one line) when it fails."""
    row = get_session(session=session, session_id=session_id)
    row.status = status
    row.error = error
    if duration_s is not None:
        row.duration_s = duration_s
    session.flush()


# -- chunks ------------------------------------------------------------------------------------


def save_chunks(*, session: Session, session_id: str, chunks: Iterable[AudioChunk]) -> int:
    """Upsert the session's chunks by index (a re-run ingest updates, never adds twice)."""
    existing = {
        row.index: row
        for row in session.scalars(select(ChunkRow).where(ChunkRow.session_id == session_id))
    }
    count = 0
    for chunk in chunks:
        row = existing.get(chunk.index)
        if row is None:
            row = ChunkRow(session_id=session_id, index=chunk.index, state="queued")
            session.add(row)
        row.offset_s = chunk.offset_s
        row.duration_s = chunk.duration_s
        row.path = str(chunk.path)
        count += 1
    session.flush()
    return count


def _chunk_row(session: Session, session_id: str, index: int) -> ChunkRow:
    row = session.scalar(
        select(ChunkRow).where(ChunkRow.session_id == session_id, ChunkRow.index == index)
    )
    if row is None:
        raise NotFoundError(f"no chunk {index} in session {session_id}")
    return row


def _to_chunk(row: ChunkRow) -> AudioChunk:
    return AudioChunk(
        index=row.index, path=Path(row.path), offset_s=row.offset_s, duration_s=row.duration_s
    )


def load_chunk(*, session: Session, session_id: str, index: int) -> AudioChunk:
    """One chunk of the session; ``NotFoundError`` if it was never saved."""
    return _to_chunk(_chunk_row(session, session_id, index))


def load_chunks(*, session: Session, session_id: str) -> list[AudioChunk]:
    """The session's chunks in order."""
    rows = session.scalars(
        select(ChunkRow).where(ChunkRow.session_id == session_id).order_by(ChunkRow.index)
    )
    return [_to_chunk(row) for row in rows]


def set_chunk_state(
    *,
    session: Session,
    session_id: str,
    index: int,
    state: ChunkState,
    stage: str | None = None,
    error: str | None = None,
) -> int:
    """Record where a chunk is: its state, the stage at work, the error if it failed.

    Entering ``running`` counts an attempt at ``stage`` (a new stage starts again at 1), so
    that redeliveries show in the progress and a chunk that kills its worker can be stopped.
    Returns the attempts so far at this stage.
    """
    row = _chunk_row(session, session_id, index)
    if state == "running":
        row.attempts = (row.attempts or 0) + 1 if row.stage == stage else 1
    row.state = state
    row.stage = stage
    row.error = error
    session.flush()
    return row.attempts


def finish_chunk_stage(*, session: Session, session_id: str, index: int, stage: str) -> bool:
    """A chunk's ``stage`` is finished: it waits (``queued``) for its next stage.

    Changes nothing if the chunk has moved on meanwhile (its next stage already started on
    another worker, or it is done), so that progress never goes backwards.
    """
    result = session.execute(
        update(ChunkRow)
        .where(
            ChunkRow.session_id == session_id,
            ChunkRow.index == index,
            ChunkRow.state == "running",
            ChunkRow.stage == stage,
        )
        .values(state="queued")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def all_chunks_done(*, session: Session, session_id: str) -> bool:
    """True once the session has chunks and every one of them is done."""
    counts = session.execute(
        select(func.count(), func.count().filter(ChunkRow.state != "done")).where(
            ChunkRow.session_id == session_id
        )
    ).one()
    return bool(counts[0]) and counts[1] == 0


# -- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChunkProgress:
    """A chunk's state as the progress display and the API show it."""

    index: int
    state: str
    stage: str | None
    error: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class SessionProgress:
    """A session's state and its chunks' states."""

    session_id: str
    status: str
    error: str | None
    chunks: tuple[ChunkProgress, ...]

    @property
    def chunks_done(self) -> int:
        """How many chunks are done."""
        return sum(1 for chunk in self.chunks if chunk.state == "done")

    @property
    def finished(self) -> bool:
        """True when the session will not change without someone acting (done or failed)."""
        return self.status in {"draft", "published", "failed"}


def load_progress(*, session: Session, session_id: str) -> SessionProgress:
    """The session's status and every chunk's state, read in one go."""
    row = get_session(session=session, session_id=session_id)
    chunks = session.scalars(
        select(ChunkRow).where(ChunkRow.session_id == session_id).order_by(ChunkRow.index)
    )
    return SessionProgress(
        session_id=row.id,
        status=row.status,
        error=row.error,
        chunks=tuple(
            ChunkProgress(c.index, c.state, c.stage, c.error, c.attempts or 0) for c in chunks
        ),
    )


# -- gaps --------------------------------------------------------------------------------------


def replace_gaps(*, session: Session, session_id: str, gaps: Iterable[Gap]) -> int:
    """Replace the session's recorded gaps."""
    session.execute(delete(GapRow).where(GapRow.session_id == session_id))
    rows = [
        GapRow(session_id=session_id, start_s=g.start_s, end_s=g.end_s, reason=g.reason)
        for g in gaps
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def load_gaps(*, session: Session, session_id: str) -> list[Gap]:
    """The session's gaps in time order."""
    rows = session.scalars(
        select(GapRow).where(GapRow.session_id == session_id).order_by(GapRow.start_s)
    )
    return [Gap(start_s=r.start_s, end_s=r.end_s, reason=r.reason) for r in rows]


# -- speakers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredSpeaker:
    """A session's speaker: its label, the member it was named as, its voice centroid."""

    label: str
    member_id: str | None
    centroid: Embedding | None
    seconds: float
    guest_name: str | None = None
    """A name a reviewer gave a speaker who is not a member."""


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
        )
        for r in rows
    ]


# -- segments ----------------------------------------------------------------------------------


def recognised_segment_id(session_id: str, chunk_index: int, start_s: float, ordinal: int) -> str:
    """The id recognition gives a segment: 20 hex characters of SHA-256 over the session, the
    chunk, the start in milliseconds and an ordinal (for two segments starting together).

    Derived rather than random so that running recognition again over the same audio gives
    the same ids, and the links a reviewer or a journalist kept still point somewhere.
    """
    key = f"{session_id}|{chunk_index}|{round(start_s * 1000)}|{ordinal}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


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
    )


def _to_segment(row: SegmentRow) -> Segment:
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
    taken = set(session.scalars(select(SegmentRow.id).where(SegmentRow.session_id == session_id)))
    for position, segment in enumerate(kept):
        segment_id, ordinal = "", 0
        # A reviewed or superseded row may hold the id already (its start moved since).
        while not segment_id or segment_id in taken:
            segment_id = recognised_segment_id(
                session_id, segment.chunk_index, segment.start_s, ordinal
            )
            ordinal += 1
        taken.add(segment_id)
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
    return [_to_segment(row) for row in session.scalars(query)]


# -- members -----------------------------------------------------------------------------------


def load_members(*, session: Session, assembly: str) -> list[Member]:
    """The assembly's members, with their voiceprints where enrolled."""
    rows = session.scalars(
        select(MemberRow).where(MemberRow.assembly_slug == assembly).order_by(MemberRow.name)
    )
    return [
        Member(
            id=row.id,
            assembly=row.assembly_slug,
            name=row.name,
            party=row.party,
            role=row.role,
            voiceprint=None if row.voiceprint is None else embedding_from_bytes(row.voiceprint),
            voice_space=row.voiceprint_encoder,
        )
        for row in rows
    ]


def assembly_vocabulary(*, session: Session, assembly: str) -> tuple[str, ...]:
    """Words the recogniser should expect in this assembly: its word list and members' names."""
    row = session.get(AssemblyRow, assembly)
    listed = tuple(row.vocabulary) if row is not None else ()
    names = tuple(
        session.scalars(select(MemberRow.name).where(MemberRow.assembly_slug == assembly))
    )
    return tuple(dict.fromkeys((*listed, *names)))


def load_voiceprint(
    *, session: Session, member_id: str, voice_space: str
) -> tuple[Embedding, float] | None:
    """A member's voiceprint in ``voice_space`` and its seconds of speech, or None if the member
    is not enrolled or was enrolled with another encoder (that voiceprint is not comparable)."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    if row.voiceprint is None or row.voiceprint_encoder != voice_space:
        return None
    return embedding_from_bytes(row.voiceprint), row.voiceprint_seconds


def save_voiceprint(
    *, session: Session, member_id: str, embedding: Embedding, speech_s: float, voice_space: str
) -> None:
    """Store a member's voiceprint (float32, little-endian), its seconds of speech and the
    encoder (``voice_space``) it was made with, replacing any earlier one."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    row.voiceprint = embedding_bytes(embedding)
    row.voiceprint_seconds = speech_s
    row.voiceprint_encoder = voice_space
    session.flush()


def learns_voiceprints(*, session: Session, assembly: str) -> bool:
    """Whether the assembly lets reviewers' namings refine its members' voiceprints."""
    row = session.get(AssemblyRow, assembly)
    return bool(row is not None and row.learn_voiceprints)
