"""A session's chunks and where each one is in the pipeline; the progress read from them.

Chunks are upserted by (session, index), so a re-run ingest updates and never adds twice.
Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``kuvend.storage.db.session_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kuvend.domain import AudioChunk
from kuvend.errors import NotFoundError
from kuvend.storage.sessions import get_session
from kuvend.storage.tables import (
    ChunkRow,
)

ChunkState = Literal["queued", "running", "done", "failed"]


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
