"""The pipeline, declared once: the stages a session goes through, in order, and what each runs.

::

    ingest ─► for each chunk: transcribe ─► diarize ─► finalize ┄┄► publish
    (cut the     (the chunk's    (its speech            (speakers,     (a reviewer's
     chunks)      segments)       regions, voices)       draft, index)  request)

Every runner follows this plan; only how a stage is run differs (its executor):

- in this process (``workers.chunk_run``): ``run_to_draft`` for ``kuvend process``
  (``workers.runner``) and the embedded API's thread (``workers.background``), and
  ``process_chunk`` for one chunk, which the live processor (``workers.live``) calls as each
  chunk closes before it finalizes;
- on Celery queues (``workers.celery_app``): one task per stage, each chunk's chain built from
  :data:`CHUNK_STAGES`;
- ``publish`` runs when a reviewer asks (``workers.actions``, ``kuvend publish``).

A chunk's state (``running`` at a stage, ``done``, ``failed``) is named by these stages: written
by ``process_chunk`` in process and by ``workers.tasks.StepTask`` on the queues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from kuvend.config import Settings
from kuvend.domain import ChunkDiarization, Segment
from workers import steps
from workers.engines import Engines

StepT = TypeVar("StepT")


@dataclass(frozen=True, slots=True)
class SessionStage(Generic[StepT]):
    """A stage run once per session: its name (in progress and logs) and its step."""

    name: str
    step: StepT


@dataclass(frozen=True, slots=True)
class ChunkWork:
    """What every chunk stage is given: one chunk of one session, and the models to use.

    ``more_follows`` as in :func:`workers.steps.transcribe_chunk_step` (``None``: whether a
    later chunk is stored).
    """

    settings: Settings
    engines: Engines
    session_id: str
    chunk_index: int
    more_follows: bool | None = None


@dataclass(frozen=True, slots=True)
class ChunkMade:
    """What the chunk stages have made of a chunk so far (each stage fills its own part)."""

    segments: list[Segment] = field(default_factory=list)
    diarization: ChunkDiarization | None = None


@dataclass(frozen=True, slots=True)
class ChunkStage:
    """A stage run on every chunk: its name (the chunk's ``stage`` while it runs) and its run."""

    name: str
    run: Callable[[ChunkWork, ChunkMade], ChunkMade]


def _transcribe(work: ChunkWork, made: ChunkMade) -> ChunkMade:
    segments = steps.transcribe_chunk_step(
        settings=work.settings,
        engines=work.engines,
        session_id=work.session_id,
        chunk_index=work.chunk_index,
        more_follows=work.more_follows,
    )
    return replace(made, segments=segments)


def _diarize(work: ChunkWork, made: ChunkMade) -> ChunkMade:
    chunk = work.chunk_index
    found = steps.diarize_chunk_step(
        settings=work.settings, engines=work.engines, session_id=work.session_id, chunk_index=chunk
    )
    return replace(made, diarization=found)


INGEST = SessionStage("ingest", steps.ingest_session)
"""Cut the media into chunks on the session clock; the step returns how many."""

CHUNK_STAGES = (ChunkStage("transcribe", _transcribe), ChunkStage("diarize", _diarize))
"""Each chunk's stages, in order."""

FINALIZE = SessionStage("finalize", steps.finalize_session)
"""Link and name speakers, attribute words, save; the draft, its exports and its index."""

PUBLISH = SessionStage("publish", steps.publish_step)
"""Freeze a version of the reviewed draft, rebuild the public site, index it."""
