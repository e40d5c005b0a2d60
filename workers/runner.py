"""The in-process runner: the whole pipeline on one file, no services (``kuvend process``).

It loads the models, then runs the plan (``workers.plan``) to the draft as the Celery chains
do, so that a session processed here and one processed by the workers give the same minutes.
Outputs are written into a fresh folder beside ``out_dir`` and, only when complete, exchanged
with ``out_dir`` in one step (``renameat2``; where the system lacks it, the old folder is
renamed away first), so that after a kill at any point ``out_dir`` is the old complete result
or the new one. Leftover sibling folders of a killed run are removed by the next run into the
same ``out_dir``.

Any exception, an interrupt included, marks the session failed with the reason and removes its
chunks before it propagates.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kuvend import interrupts
from kuvend.config import Settings
from kuvend.errors import ConfigError, KuvendError
from kuvend.export_formats import EXPORT_FILES, ExportFormat
from kuvend.minutes import Minutes
from kuvend.progress import StepProgress
from kuvend.storage import recovery
from kuvend.types import LanguageCode, StageHook, no_hook
from publish.site_folder import exchange
from workers import steps
from workers.chunk_run import run_to_draft
from workers.engines import load_engines
from workers.ingesting import NewSession

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

    def new_session(self) -> NewSession:
        """The session to register for this request's media."""
        return NewSession(
            media_path=self.media,
            assembly=self.assembly,
            title=self.title,
            session_date=self.date,
            languages=self.languages,
            audio_stream=self.audio_stream,
            accept_truncated=self.accept_truncated,
        )


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

    ``hook`` hears each step's progress, then ``("saved", out_dir)`` once the minutes are in
    place. Raises ``MediaError`` for unusable input before any heavy work, ``ConfigError`` when
    the output folder cannot be written, ``ModelError`` when a model is missing.
    """
    check_output_folder(request.out_dir, settings=settings, media=request.media)
    staging = _staging_dir(request.out_dir)
    try:
        steps.prepare_database(settings)
        session_id = steps.create_session(settings=settings, **request.new_session())
        recovery.claim(settings, session_id)
        kill_switch = _KillSwitch.from_environment()
        beat = recovery.Heartbeat(settings, session_id)

        def working(step: str, artefact: object) -> None:
            interrupts.raise_if_stop_requested()
            beat()
            kill_switch(step)
            hook(step, artefact)

        try:
            minutes = _run_session(settings, session_id, staging, working)
        except BaseException as error:
            _fail(settings, session_id, error)
            raise
        try:
            _replace_folder(staging, request.out_dir, kill_switch)
        except ConfigError as error:  # the minutes could not be put in place
            _fail(settings, session_id, error)
            raise
        hook("saved", request.out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ProcessResult(minutes=minutes, out_dir=request.out_dir, session_id=session_id)


class _KillSwitch:
    """The fault-injection test's hook (``tests/e2e/test_process_faults.py``); inert unless set.

    ``KUVEND_TEST_CHECKPOINTS=FILE`` appends each checkpoint's step name to FILE;
    ``KUVEND_TEST_KILL_AT=N`` makes this process SIGKILL itself at its N-th checkpoint (1-based).
    """

    def __init__(self, kill_at: int | None, log_path: Path | None) -> None:
        self._kill_at, self._log_path, self._count = kill_at, log_path, 0

    @classmethod
    def from_environment(cls) -> _KillSwitch:
        kill_at = os.environ.get("KUVEND_TEST_KILL_AT", "")
        log_path = os.environ.get("KUVEND_TEST_CHECKPOINTS", "")
        return cls(
            int(kill_at) if kill_at.isdigit() else None, Path(log_path) if log_path else None
        )

    def __call__(self, step: str) -> None:
        if self._kill_at is None and self._log_path is None:
            return
        self._count += 1
        if self._log_path is not None:
            with self._log_path.open("a", encoding="utf-8") as stream:
                stream.write(f"{step}\n")
        if self._count == self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _fail(settings: Settings, session_id: str, error: BaseException) -> None:
    """Mark the run's session failed with why, and take its draft out of the search index."""
    steps.fail_session(settings=settings, session_id=session_id, error=_reason(error))
    recovery.unindex_failed(settings, session_id)


def _reason(error: BaseException) -> str:
    """One line saying why processing stopped."""
    if isinstance(error, KuvendError):
        return str(error)
    if isinstance(error, KeyboardInterrupt | SystemExit) or interrupts.stop_requested():
        return "processing was interrupted (signal); run kuvend process again"
    return f"unexpected error: {type(error).__name__}: {' '.join(str(error).split())}"


def _run_session(settings: Settings, session_id: str, staging: Path, hook: StageHook) -> Minutes:
    hook("load", StepProgress("models", 0, 1, "loading"))
    engines = load_engines(settings).warm()
    hook("load", StepProgress("models", 1, 1, engines.whisper_name))
    return run_to_draft(
        settings=settings, session_id=session_id, engines=engines, out_dir=staging, hook=hook
    )


def _staging_dir(out_dir: Path) -> Path:
    """A fresh folder beside ``out_dir`` (same file system, so the exchange is one rename).

    Its name carries this process's id, so that leftovers of a killed run are recognised and
    removed here.
    """
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(parent, out_dir.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", dir=parent))
        # mkdtemp makes it owner-only; the minutes are for a web server to serve.
        staging.chmod(0o755)
        return staging
    except OSError as error:
        raise ConfigError(f"cannot write to {out_dir}: {error.strerror}") from None


#: What marks a folder as earlier minutes, which a new run may replace.
MINUTES_FILE = EXPORT_FILES[ExportFormat.json].filename


def check_output_folder(out_dir: Path, *, settings: Settings, media: Path) -> None:
    """``ConfigError`` (before any work) unless the minutes may replace ``out_dir``.

    They replace the whole folder, so it must be new, empty, or earlier minutes (it holds
    ``minutes.json``); never a symbolic link (the link, not its target, would be replaced);
    and never hold the current folder, the media file, or the data, media or site folder,
    which would go with it.
    """
    if out_dir.is_symlink():
        raise ConfigError(
            f"cannot write to {out_dir}: it is a symbolic link; give the folder it points to"
        )
    if out_dir.exists() and not (out_dir.is_dir() and os.access(out_dir, os.W_OK)):
        raise ConfigError(f"cannot write to {out_dir}: not a writable folder")
    target = out_dir.resolve()
    kept = {
        "the current folder": Path.cwd(),
        "the media file": media,
        "the data folder": settings.data_dir,
        "the media store": settings.resolved_media_dir,
        "the site folder": settings.resolved_site_dir,
    }
    database = settings.resolved_database_url
    if database.startswith("sqlite:///"):
        kept["the database"] = Path(database.removeprefix("sqlite:///"))
    for what, path in kept.items():
        if path.resolve().is_relative_to(target):
            raise ConfigError(
                f"cannot write to {out_dir}: the minutes replace the whole folder, and it "
                f"holds {what}; choose another --out"
            )
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MINUTES_FILE).is_file():
        raise ConfigError(
            f"{out_dir} holds files that are not Kuvend minutes (no {MINUTES_FILE}); the "
            "minutes replace the whole folder: choose a new or empty folder for --out"
        )


def _remove_leftovers(parent: Path, name: str) -> None:
    """Remove staging folders of earlier runs into ``name`` whose process is gone."""
    for path in parent.glob(f".{name}.*.*"):
        pid = path.name.removeprefix(f".{name}.").split(".", 1)[0]
        if path.is_dir() and pid.isdigit() and not recovery.pid_alive(int(pid)):
            log.info("removing %s, left by an interrupted run", path)
            shutil.rmtree(path, ignore_errors=True)


def _replace_folder(staging: Path, out_dir: Path, checkpoint: Callable[[str], None]) -> None:
    """Put the finished ``staging`` at ``out_dir``; the previous ``out_dir`` ends in ``staging``."""
    try:
        checkpoint("replace")
        if not out_dir.exists():
            staging.rename(out_dir)
            staging.mkdir()  # the caller removes it
        elif not exchange(staging, out_dir):
            old = staging.with_name(staging.name + ".old")
            out_dir.rename(old)
            staging.rename(out_dir)
            old.rename(staging)
        checkpoint("replaced")
    except OSError as error:
        raise ConfigError(f"cannot write to {out_dir}: {error.strerror}") from None
