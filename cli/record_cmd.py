"""``kuvend record`` and ``kuvend stop``: record a live session; ask a running recorder to stop.

The recording itself is ``workers.recording.record_session`` (the API starts the same
recorder); here are only the terminal's progress line and Ctrl-C. Stopping goes through the
database, so it works from any machine that shares it: ``kuvend stop SESSION`` (or the API)
moves the session from ``recording`` to ``stopping``; the recorder notices within two
seconds, closes the last chunk and keeps it, encodes the player's audio, and runs the final
processing into a draft. Ctrl-C in the recorder's terminal does the same.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli import checks
from cli.app import app
from cli.assemblies import NewAssembly, check_new_session_assembly
from cli.logs import Verbose
from kuvend.config import Settings, get_settings
from kuvend.domain import AudioChunk, Gap
from kuvend.errors import KuvendError
from kuvend.storage.db import migrate
from kuvend.types import StageHook

if TYPE_CHECKING:
    from workers.recording import RecordedSession

_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def record(
    url: Annotated[str, typer.Argument(help="Stream URL: HLS (.m3u8), RTMP, RTSP, SRT or HTTP.")],
    assembly: Annotated[
        str | None,
        typer.Option(help="Assembly slug of a new session, e.g. prishtine.", callback=checks.slug),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="Title of a new session.", callback=checks.line)
    ] = None,
    new_assembly: NewAssembly = False,
    session: Annotated[
        str | None,
        typer.Option("--session", help="Record into this scheduled session (e.g. from the API)."),
    ] = None,
    chunk_seconds: Annotated[
        float | None, typer.Option(help="Chunk length in seconds (default KUVEND_CHUNK_SECONDS).")
    ] = None,
    languages: Annotated[
        str, typer.Option(help="Languages spoken in a new session, comma-separated.")
    ] = "sq,sr",
    verbose: Verbose = 0,
) -> None:
    """Record the live stream at URL until stopped (Ctrl-C or `kuvend stop`), into a new
    session (--assembly and --title) or a scheduled one (--session).

    Chunks are stored and transcribed as they close; drops are reconnected and recorded as gaps.
    """
    from workers.recording import begin_recording, new_recording_session

    settings = get_settings()
    migrate(settings.resolved_database_url)
    if session is not None:
        if assembly is not None or title is not None:
            raise typer.BadParameter("--session takes the scheduled session's assembly and title")
        begin_recording(settings, session)
        session_id = session
    elif assembly is None or title is None:
        raise typer.BadParameter("give --assembly and --title for a new session, or --session ID")
    else:
        spoken = list(checks.languages(languages))
        check_new_session_assembly(assembly, new_assembly=new_assembly)
        session_id = new_recording_session(
            settings, assembly=assembly, title=title, languages=spoken
        )
    _console.print(
        f"Recording session [bold]{session_id}[/bold] from {url}\n"
        f"Stop with Ctrl-C or: kuvend stop {session_id}"
    )
    stop = threading.Event()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=_console
    ) as progress:
        line = _StatusLine(progress)
        thread = _RecorderThread(settings, session_id, url, stop, line.hook, chunk_seconds)
        thread.start()
        _wait(thread, stop, line)
    result = thread.outcome()
    recording = result.recording
    if result.draft is None:
        tried = f"; the last attempt: {line.last_retry}" if line.last_retry else ""
        raise KuvendError(f"nothing was recorded from {url} ({recording.stop_reason}{tried})")
    _console.print(
        f"Recorded {_clock(recording.recorded_s)} in {len(recording.chunks)} chunks, "
        f"{len(recording.gaps)} gaps ({recording.stop_reason}). "
        f"The draft of session {session_id} is ready for review."
    )


@app.command("stop")
def stop_recording(
    session_id: Annotated[str, typer.Argument(help="The session being recorded.")],
) -> None:
    """Ask the recorder of SESSION to stop; it keeps the last partial chunk."""
    from workers.recording import request_stop

    settings = get_settings()
    migrate(settings.resolved_database_url)
    request_stop(settings, session_id)
    _console.print(f"Asked the recorder of session {session_id} to stop.")


#: What the status line says after each of the recorder's steps.
_STATES = {
    "connected": "recording",
    "dropped": "reconnecting",
    "stopping": "stopping",
    "finishing": "processing the last chunks",
}


class _StatusLine:
    """The recorder's one line on the terminal, fed by ``record_session``'s hook."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._state = "connecting"
        self._chunks = 0
        self._recorded_s = 0.0
        self._gaps = 0
        self.last_retry: str | None = None
        """Why the last connection attempt failed, if one did."""
        self._task = progress.add_task(self._line())

    def hook(self, step: str, artefact: Any) -> None:
        if step == "chunk" and isinstance(artefact, AudioChunk):
            self._chunks += 1
            self._recorded_s += artefact.duration_s
        elif step == "gap" and isinstance(artefact, Gap):
            self._gaps += 1
        elif step == "retrying":
            # Said without -v too: a stream nobody serves would otherwise look like a slow
            # connection. Each new reason once (a pipe shows no status line).
            if str(artefact) != self.last_retry:
                self._progress.console.print(f"retrying: {artefact}", markup=False)
            self.last_retry = str(artefact)
            self._state = "retrying"
        elif step in _STATES:
            self._state = _STATES[step]
        else:
            return
        self._progress.update(self._task, description=self._line())

    def _line(self) -> str:
        if self._chunks == 0:
            return self._state  # counts of nothing would push the state off a narrow terminal
        return (
            f"{self._state} · {_clock(self._recorded_s)} recorded in {self._chunks} chunks"
            f" · {self._gaps} gaps"
        )


class _RecorderThread(threading.Thread):
    """record_session off the main thread, so that Ctrl-C reaches the main thread only."""

    def __init__(
        self,
        settings: Settings,
        session_id: str,
        url: str,
        stop: threading.Event,
        hook: StageHook,
        chunk_s: float | None,
    ) -> None:
        super().__init__(name="recorder", daemon=True)
        self._arguments = (settings, session_id, url, stop, hook, chunk_s)
        self._result: RecordedSession | None = None
        self._error: BaseException | None = None
        # Thread.join interrupted by Ctrl-C can leave is_alive() wrong; an Event cannot.
        self.done = threading.Event()

    def run(self) -> None:
        from workers.recording import record_session

        settings, session_id, url, stop, hook, chunk_s = self._arguments
        try:
            self._result = record_session(
                settings, session_id, url, stop=stop, hook=hook, chunk_s=chunk_s
            )
        except BaseException as error:  # re-raised in the main thread by outcome()
            self._error = error
        finally:
            self.done.set()

    def outcome(self) -> RecordedSession:
        if self._error is not None:
            if isinstance(self._error, KuvendError):
                raise self._error
            raise KuvendError(f"the recorder failed: {self._error}") from self._error
        assert self._result is not None
        return self._result


def _wait(thread: _RecorderThread, stop: threading.Event, line: _StatusLine) -> None:
    """Wait for the recorder; Ctrl-C makes it stop (it keeps the last chunk)."""
    while not thread.done.is_set():
        try:
            thread.done.wait(0.2)
        except KeyboardInterrupt:
            stop.set()
            line.hook("stopping", None)


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
