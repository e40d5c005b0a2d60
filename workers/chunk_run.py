"""The plan run in this process (``workers.plan``), each chunk's state written as it goes.

The Celery tasks write each chunk's state themselves (``workers.tasks``: ``running`` at each
stage, ``done`` after the last); the in-process runners (``kuvend process``, the API's
background thread, the live processor) go through :func:`run_to_draft` or
:func:`process_chunk`, which write the same states, so that the progress endpoint,
``kuvend sessions show`` and the secretariat's list read the same whichever runner did the work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kuvend.config import Settings
from kuvend.domain import ChunkDiarization, Segment
from kuvend.errors import KuvendError
from kuvend.minutes import Minutes
from kuvend.progress import StepProgress
from kuvend.storage.chunks import ChunkState, set_chunk_state
from kuvend.storage.db import session_scope
from kuvend.types import StageHook, no_hook
from workers import plan
from workers.engines import Engines, load_engines


def one_line(error: BaseException) -> str:
    """Why ``error`` stopped the work, on one line (a non-Kuvend error with its type)."""
    text = str(error) if isinstance(error, KuvendError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def run_to_draft(
    *,
    settings: Settings,
    session_id: str,
    engines: Engines | None = None,
    out_dir: Path | None = None,
    hook: StageHook = no_hook,
) -> Minutes:
    """Run the plan from ingest to the draft: every chunk through its stages, then finalize.

    ``engines``: the models, when the caller has loaded them already; by default loaded once
    the media is cut. ``hook`` hears the steps' progress and, for each chunk, each stage as it
    starts. ``out_dir`` as in :func:`workers.steps.finalize_session`. A step's exception
    propagates (the chunk at work marked failed); the caller fails the session.
    """
    chunk_count = plan.INGEST.step(settings=settings, session_id=session_id, hook=hook)
    if engines is None:
        engines = load_engines(settings)
    for index in range(chunk_count):

        def announce(stage: str, index: int = index) -> None:
            hook(stage, StepProgress(stage, index, chunk_count, f"chunk {index + 1}"))

        process_chunk(
            settings=settings,
            engines=engines,
            session_id=session_id,
            chunk_index=index,
            announce=announce,
        )
    for stage in plan.CHUNK_STAGES:
        hook(stage.name, StepProgress(stage.name, chunk_count, chunk_count, "done"))
    return plan.FINALIZE.step(
        settings=settings, engines=engines, session_id=session_id, out_dir=out_dir, hook=hook
    )


def _no_announcement(stage: str) -> None:
    """Nobody to tell which stage starts."""


def process_chunk(
    *,
    settings: Settings,
    engines: Engines,
    session_id: str,
    chunk_index: int,
    more_follows: bool | None = None,
    announce: Callable[[str], None] = _no_announcement,
) -> tuple[list[Segment], ChunkDiarization]:
    """Run chunk ``chunk_index`` through the plan's chunk stages; its segments and speech regions.

    ``announce`` is called with the stage's name (``transcribe``, ``diarize``) before each.
    The chunk is ``running`` at each stage and ``done`` at the end; an exception marks it
    ``failed`` at its stage with the one-line reason and propagates (the caller fails the
    session). ``more_follows`` as in ``steps.transcribe_chunk_step``.
    """
    work = plan.ChunkWork(settings, engines, session_id, chunk_index, more_follows)
    made = plan.ChunkMade()
    for stage in plan.CHUNK_STAGES:
        try:
            announce(stage.name)
            _mark(settings, session_id, chunk_index, "running", stage.name)
            made = stage.run(work, made)
        except Exception as error:
            # Not BaseException: an interrupt is the session's failure, reported by the runner.
            _mark(settings, session_id, chunk_index, "failed", stage.name, one_line(error))
            raise
    _mark(settings, session_id, chunk_index, "done")
    if made.diarization is None:
        raise RuntimeError(f"the plan's chunk stages did not diarize chunk {chunk_index}")
    return made.segments, made.diarization


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
