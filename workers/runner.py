"""The in-process runner: the whole pipeline on one file, no services (``kuvend process``).

It calls the steps of ``workers.steps`` in the order the Celery chains do, so that a session
processed here and one processed by the workers give the same minutes. Outputs are written into
a temporary folder beside ``out_dir`` and moved into place only when complete.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kuvend.config import Settings
from kuvend.errors import ConfigError, KuvendError
from kuvend.minutes import Minutes
from kuvend.progress import StepProgress
from kuvend.types import LanguageCode, StageHook, no_hook
from workers import steps

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessRequest:
    """What ``kuvend process`` was asked to do."""

    media: Path
    out_dir: Path
    assembly: str
    title: str
    languages: tuple[LanguageCode, ...]
    date: date
    audio_stream: int | None = None
    """The audio stream to transcribe (``a:N``); ``None``: the one with the most speech."""
    accept_truncated: bool = False
    """Process a file whose audio ends before its header says."""


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """The finished minutes, where they were written, and the stored session's id."""

    minutes: Minutes
    out_dir: Path
    session_id: str


def process_media(
    request: ProcessRequest, *, settings: Settings, hook: StageHook = no_hook
) -> ProcessResult:
    """Run every stage on ``request.media`` in this process and write the minutes.

    Raises ``MediaError`` for unusable input before any heavy work, ``ConfigError`` when the
    output folder cannot be written, ``ModelError`` when a model is missing.
    """
    staging = _staging_dir(request.out_dir)
    try:
        steps.prepare_database(settings)
        session_id = steps.create_session(
            settings=settings,
            media_path=request.media,
            assembly=request.assembly,
            title=request.title,
            session_date=request.date,
            languages=request.languages,
            audio_stream=request.audio_stream,
            accept_truncated=request.accept_truncated,
        )
        try:
            minutes = _run_session(settings, session_id, staging, hook)
        except KuvendError as error:
            steps.fail_session(settings=settings, session_id=session_id, error=str(error))
            raise
        except BaseException:
            # Ctrl-C or a crash: the session is abandoned, and its chunks with it.
            steps.fail_session(settings=settings, session_id=session_id, error="interrupted")
            raise
        _move_into_place(staging, request.out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ProcessResult(minutes=minutes, out_dir=request.out_dir, session_id=session_id)


def _run_session(settings: Settings, session_id: str, staging: Path, hook: StageHook) -> Minutes:
    hook("load", StepProgress("models", 0, 1, "loading"))
    engines = steps.load_engines(settings).warm()
    hook("load", StepProgress("models", 1, 1, engines.whisper_name))
    chunk_count = steps.ingest_session(settings=settings, session_id=session_id, hook=hook)
    for index in range(chunk_count):
        hook("transcribe", StepProgress("transcribe", index, chunk_count, f"chunk {index + 1}"))
        steps.transcribe_chunk_step(
            settings=settings, engines=engines, session_id=session_id, chunk_index=index
        )
        hook("diarize", StepProgress("diarize", index, chunk_count, f"chunk {index + 1}"))
        steps.diarize_chunk_step(
            settings=settings, engines=engines, session_id=session_id, chunk_index=index
        )
    hook("transcribe", StepProgress("transcribe", chunk_count, chunk_count, "done"))
    hook("diarize", StepProgress("diarize", chunk_count, chunk_count, "done"))
    return steps.finalize_session(
        settings=settings, engines=engines, session_id=session_id, out_dir=staging, hook=hook
    )


def _staging_dir(out_dir: Path) -> Path:
    """A fresh folder beside ``out_dir`` (same file system, so moving out of it is atomic)."""
    parent = out_dir.resolve().parent
    if out_dir.exists() and not (out_dir.is_dir() and os.access(out_dir, os.W_OK)):
        raise ConfigError(f"cannot write to {out_dir}: not a writable folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except OSError as error:
        raise ConfigError(f"cannot write to {out_dir}: {error.strerror}") from None


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """Move the finished files into ``out_dir``; ``minutes.json`` last, as the completion mark."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        files = sorted(staging.iterdir(), key=lambda path: path.name == "minutes.json")
        for path in files:
            path.replace(out_dir / path.name)
    except OSError as error:
        raise ConfigError(f"cannot write to {out_dir}: {error.strerror}") from None
