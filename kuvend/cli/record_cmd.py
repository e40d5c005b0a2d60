"""``kuvend record`` and ``kuvend stop``: record a live session; ask a running recorder to stop.

Stopping goes through the database, so it works from any machine that shares it: ``kuvend
stop SESSION`` (or the API) moves the session from ``recording`` to ``stopping``; the recorder
reads its session's status every two seconds, closes the last chunk and keeps it, encodes the
player's audio, and runs the final processing into a draft. Ctrl-C in the
recorder's terminal does the same.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ingest import IngestOptions
from ingest.manifest import Recording
from ingest.player import encode_recording_for_player
from ingest.record import record_stream
from kuvend.cli.app import app
from kuvend.config import Settings, get_settings
from kuvend.domain import AudioChunk, Gap
from kuvend.errors import ConflictError, KuvendError
from kuvend.storage import repository
from kuvend.storage.db import migrate, session_scope

_console = Console(stderr=True, highlight=False, soft_wrap=True)
_STOP_POLL_S = 2.0
PLAYER_AUDIO = "audio.m4a"


@app.command()
def record(
    url: Annotated[str, typer.Argument(help="Stream URL: HLS (.m3u8), RTMP, RTSP, SRT or HTTP.")],
    assembly: Annotated[str, typer.Option(help="Assembly slug, e.g. prishtine.")],
    title: Annotated[str, typer.Option(help="Session title.")],
    chunk_seconds: Annotated[
        float | None, typer.Option(help="Chunk length in seconds (default KUVEND_CHUNK_SECONDS).")
    ] = None,
    languages: Annotated[str, typer.Option(help="Languages spoken, comma-separated.")] = "sq,sr",
) -> None:
    """Record the live stream at URL as a new session until stopped (Ctrl-C or `kuvend stop`).

    Chunks are stored as they close; drops are reconnected and recorded as gaps.
    """
    settings = get_settings()
    migrate(settings.resolved_database_url)
    overrides = {} if chunk_seconds is None else {"chunk_s": chunk_seconds}
    options = IngestOptions.from_settings(settings, **overrides)
    spoken = [part.strip() for part in languages.split(",") if part.strip()]
    with session_scope(settings.resolved_database_url) as db:
        row = repository.create_session(
            session=db,
            assembly=assembly,
            title=title,
            date=date.today(),
            languages=spoken,
            status="recording",
        )
        session_id = row.id
    live = _LiveSession(settings, session_id)
    _console.print(
        f"Recording session [bold]{session_id}[/bold] from {url}\n"
        f"Stop with Ctrl-C or: kuvend stop {session_id}"
    )
    stop = threading.Event()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=_console
    ) as progress:
        live.attach(progress)
        thread = _RecorderThread(url, live, options, stop)
        thread.start()
        _wait(thread, live, stop)
    recording = thread.outcome()
    live.finish(recording)
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
    settings = get_settings()
    migrate(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as db:
        row = repository.get_session(session=db, session_id=session_id)
        if row.status != "recording":
            raise ConflictError(f"session {session_id} is not being recorded (it is {row.status})")
        repository.set_session_status(session=db, session_id=session_id, status="stopping")
    _console.print(f"Asked the recorder of session {session_id} to stop.")


class _LiveSession:
    """The session being recorded: its rows in the database and its line on the terminal."""

    def __init__(self, settings: Settings, session_id: str) -> None:
        self.settings = settings
        self.session_id = session_id
        self.folder = settings.data_dir / "sessions" / session_id
        self._gaps: list[Gap] = []
        self._chunks = 0
        self._recorded_s = 0.0
        self._state = "connecting"
        self._progress: Progress | None = None
        from workers.live import LiveProcessor  # the models load only when recording starts

        self._processor = LiveProcessor(settings, session_id)

    def attach(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task(self._line())

    def on_chunk(self, chunk: AudioChunk) -> None:
        # Near-live processing of the chunk starts from here (the chunk row, state "queued").
        with session_scope(self.settings.resolved_database_url) as db:
            repository.save_chunks(session=db, session_id=self.session_id, chunks=[chunk])
        self._processor.submit(chunk)
        self._chunks += 1
        self._recorded_s += chunk.duration_s
        self._show()

    def on_gap(self, gap: Gap) -> None:
        self._gaps.append(gap)
        with session_scope(self.settings.resolved_database_url) as db:
            repository.replace_gaps(session=db, session_id=self.session_id, gaps=self._gaps)
        self._show()

    def hook(self, step: str, artefact: object) -> None:
        states = {"connected": "recording", "dropped": "reconnecting"}
        if step in states:
            self._state = states[step]
            self._show()

    def stop_requested(self) -> bool:
        with session_scope(self.settings.resolved_database_url) as db:
            status = repository.get_session(session=db, session_id=self.session_id).status
        return status == "stopping"

    def stopping(self) -> None:
        self._state = "stopping"
        self._show()

    def finish(self, recording: Recording) -> None:
        if recording.chunks:
            encode_recording_for_player(recording, self.folder / PLAYER_AUDIO)
        with session_scope(self.settings.resolved_database_url) as db:
            repository.replace_gaps(
                session=db, session_id=self.session_id, gaps=list(recording.gaps)
            )
            repository.set_session_status(
                session=db,
                session_id=self.session_id,
                status="queued" if recording.chunks else "failed",
                error=None if recording.chunks else "nothing was recorded",
                duration_s=recording.duration_s,
            )
        if recording.chunks:
            self._processor.finish()

    def fail(self, error: BaseException) -> None:
        with session_scope(self.settings.resolved_database_url) as db:
            repository.set_session_status(
                session=db, session_id=self.session_id, status="failed", error=str(error)
            )

    def _show(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=self._line())

    def _line(self) -> str:
        return (
            f"{self._state} · {_clock(self._recorded_s)} recorded in {self._chunks} chunks"
            f" · {len(self._gaps)} gaps"
        )


class _RecorderThread(threading.Thread):
    """record_stream off the main thread, so that Ctrl-C reaches the main thread only."""

    def __init__(
        self, url: str, live: _LiveSession, options: IngestOptions, stop: threading.Event
    ) -> None:
        super().__init__(name="recorder", daemon=True)
        self._arguments = (url, live, options, stop)
        self._recording: Recording | None = None
        self._error: BaseException | None = None
        # Thread.join interrupted by Ctrl-C can leave is_alive() wrong; an Event cannot.
        self.done = threading.Event()

    def run(self) -> None:
        url, live, options, stop = self._arguments
        try:
            self._recording = record_stream(
                url, live.folder, options,
                on_chunk=live.on_chunk, on_gap=live.on_gap, stop=stop, hook=live.hook,
            )  # fmt: skip
        except BaseException as error:  # re-raised in the main thread by outcome()
            live.fail(error)
            self._error = error
        finally:
            self.done.set()

    def outcome(self) -> Recording:
        if self._error is not None:
            if isinstance(self._error, KuvendError):
                raise self._error
            raise KuvendError(f"the recorder failed: {self._error}") from self._error
        assert self._recording is not None
        return self._recording


def _wait(thread: _RecorderThread, live: _LiveSession, stop: threading.Event) -> None:
    """Wait for the recorder; Ctrl-C or ``kuvend stop`` make it stop (it keeps the last chunk)."""
    next_poll = time.monotonic() + _STOP_POLL_S
    while not thread.done.is_set():
        try:
            thread.done.wait(0.2)
            if not stop.is_set() and time.monotonic() >= next_poll:
                next_poll = time.monotonic() + _STOP_POLL_S
                if live.stop_requested():
                    stop.set()
                    live.stopping()
        except KeyboardInterrupt:
            stop.set()
            live.stopping()


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
