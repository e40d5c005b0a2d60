"""One chunk through both of its steps in this process, its state written as it goes.

The Celery tasks write each chunk's state themselves (``workers.tasks``: ``running`` at each
stage, ``done`` after the last); the in-process runners (``kuvend process``, the API's
background thread, the live processor) call :func:`process_chunk`, which writes the same
states, so that the progress endpoint, ``kuvend sessions show`` and the secretariat's list read
the same whichever runner did the work.
"""

from __future__ import annotations

from collections.abc import Callable

from kuvend.config import Settings
from kuvend.domain import ChunkDiarization, Segment
from kuvend.errors import KuvendError
from kuvend.storage.chunks import ChunkState, set_chunk_state
from kuvend.storage.db import session_scope
from workers import steps


def one_line(error: BaseException) -> str:
    """Why ``error`` stopped the work, on one line (a non-Kuvend error with its type)."""
    text = str(error) if isinstance(error, KuvendError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def _no_announcement(stage: str) -> None:
    """Nobody to tell which stage starts."""


def process_chunk(
    *,
    settings: Settings,
    engines: steps.Engines,
    session_id: str,
    chunk_index: int,
    more_follows: bool | None = None,
    announce: Callable[[str], None] = _no_announcement,
) -> tuple[list[Segment], ChunkDiarization]:
    """Transcribe then diarize chunk ``chunk_index``; returns its segments and speech regions.

    ``announce`` is called with the stage's name (``transcribe``, ``diarize``) before each.
    The chunk is ``running`` at each stage and ``done`` at the end; an exception marks it
    ``failed`` at its stage with the one-line reason and propagates (the caller fails the
    session). ``more_follows`` as in ``steps.transcribe_chunk_step``.
    """
    stage = "transcribe"
    try:
        announce(stage)
        _mark(settings, session_id, chunk_index, "running", stage)
        segments = steps.transcribe_chunk_step(
            settings=settings,
            engines=engines,
            session_id=session_id,
            chunk_index=chunk_index,
            more_follows=more_follows,
        )
        stage = "diarize"
        announce(stage)
        _mark(settings, session_id, chunk_index, "running", stage)
        regions = steps.diarize_chunk_step(
            settings=settings, engines=engines, session_id=session_id, chunk_index=chunk_index
        )
    except Exception as error:
        # Not BaseException: an interrupt is the session's failure, reported by the runner.
        _mark(settings, session_id, chunk_index, "failed", stage, one_line(error))
        raise
    _mark(settings, session_id, chunk_index, "done")
    return segments, regions


def _mark(
    settings: Settings,
    session_id: str,
    index: int,
    state: ChunkState,
    stage: str | None = None,
    error: str | None = None,
) -> None:
    with session_scope(settings.resolved_database_url) as db:
        set_chunk_state(
            session=db, session_id=session_id, index=index, state=state, stage=stage, error=error
        )
