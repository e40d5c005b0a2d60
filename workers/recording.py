"""Recording a live session: the recorder's orchestration, for ``kuvend record`` and the API.

:func:`record_session` records a stream into a session whose status is ``recording``::

    record_stream ─► each chunk: saved, then transcribed and diarized at once (LiveProcessor)
                 ─► each gap: saved
    (stop: the caller's event, or the session's status ``stopping`` in the database)
                 ─► player audio, gaps, status queued ─► final step ─► draft

Stopping goes through the database, so that it works from any process that shares it:
``kuvend stop SESSION`` and the API's stop move the session from ``recording`` to
``stopping`` (:func:`request_stop`); the recorder reads its session's status every two
seconds, closes the last chunk and keeps it. The caller's ``stop`` event (Ctrl-C, the API
process that runs the recorder) does the same at once.

A session gets to ``recording`` either new (:func:`new_recording_session`, ``kuvend record URL
--assembly --title``) or from ``scheduled`` (:func:`begin_recording`, ``kuvend record URL
--session ID`` and the API's start). Both status moves are one conditional UPDATE, so that two
recorders never take the same session, on SQLite and PostgreSQL alike.

A recorder that died with its process (the API killed mid-session) leaves ``recording.json``
beside its chunks; :func:`close_interrupted_recording` makes a queued session of what it had.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from ingest import IngestOptions, LiveAudio, Recording, encode_recording_for_player, read_manifest
from ingest.record import record_stream
from kuvend.config import Settings
from kuvend.domain import AudioChunk, Gap
from kuvend.errors import ConflictError, KuvendError
from kuvend.live_captions import CaptionLog, captions_dir
from kuvend.minutes import Minutes
from kuvend.storage.chunks import save_chunks
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import (
    create_session,
    get_session,
    load_session_info,
    replace_gaps,
    set_session_status,
)
from kuvend.storage.tables import SessionRow
from kuvend.types import LanguageCode, StageHook, no_hook
from transcribe import StreamOptions
from workers import steps
from workers.captions import LiveCaptioner
from workers.engines import load_engines
from workers.live import CaptionLatency, LiveProcessor

log = logging.getLogger(__name__)

#: How often a recorder reads its session's status (``kuvend stop`` answers within this).
STOP_POLL_S = 2.0
_TICK_S = 0.2
MANIFEST = "recording.json"


@dataclass(frozen=True, slots=True)
class RecordedSession:
    """A finished recording and what became of it."""

    session_id: str
    recording: Recording
    """Chunks, gaps and original parts, and why the recording stopped."""
    draft: Minutes | None
    """The draft minutes; ``None`` when nothing was recorded (the session then failed)."""
    caption_latencies: tuple[CaptionLatency, ...]
    """Per chunk processed live: seconds from the chunk's close to its stored captions."""


def new_recording_session(
    settings: Settings,
    *,
    assembly: str,
    title: str,
    languages: Sequence[LanguageCode],
    session_date: date | None = None,
) -> str:
    """A new session of ``assembly``, already ``recording``; returns its id."""
    with session_scope(settings.resolved_database_url) as db:
        row = create_session(
            session=db,
            assembly=assembly,
            title=title,
            date=session_date or date.today(),
            languages=languages,
            status="recording",
        )
        return row.id


def begin_recording(settings: Settings, session_id: str) -> None:
    """Move a scheduled session to ``recording``; ``ConflictError`` if it is not scheduled."""
    _move(settings, session_id, "scheduled", "recording", "can be recorded only when scheduled")


def request_stop(settings: Settings, session_id: str) -> None:
    """Ask the recorder of ``session_id``, wherever it runs, to stop (status ``stopping``)."""
    _move(settings, session_id, "recording", "stopping", "is not being recorded")


def record_session(
    settings: Settings,
    session_id: str,
    url: str,
    *,
    stop: threading.Event,
    hook: StageHook = no_hook,
    chunk_s: float | None = None,
) -> RecordedSession:
    """Record ``url`` into the ``recording`` session until stopped, then finish it as a draft.

    Each chunk is stored as it closes and processed at once; gaps are stored as they end.
    ``hook`` receives the recorder's steps (``connected``, ``chunk``, ``gap``, ``dropped``,
    ``retrying`` with the reason), ``stopping`` once a stop is asked for, ``finishing``, then
    the processing steps
    (``caption`` per chunk, ``link``, ``publish``). Raises ``DiskFullError`` when the disk is
    under the floor at the start and ``KuvendError`` when the final processing fails; either
    way the session is then ``failed`` with a one-line error, as it is for any error.
    """
    live = _LiveSession(settings, session_id, hook)
    watcher = _StopWatcher(settings, session_id, stop, hook)
    watcher.start()
    log.info("session %s: recording %s", session_id, url)
    try:
        overrides = {} if chunk_s is None else {"chunk_s": chunk_s}
        options = IngestOptions.from_settings(settings, **overrides)
        recording = record_stream(
            url,
            steps.work_dir(settings, session_id),
            options,
            on_chunk=live.on_chunk,
            on_gap=live.on_gap,
            on_audio=live.on_audio if settings.live_captions else None,
            stop=stop,
            hook=hook,
        )
    except BaseException as error:
        _fail(settings, session_id, error)
        raise
    finally:
        watcher.done.set()
    hook("finishing", recording)
    return live.finish(recording)


def close_interrupted_recording(settings: Settings, session_id: str) -> bool:
    """Make a queued session of what a recorder that died with its process had recorded.

    Reads ``recording.json`` (rewritten after every chunk), stores its chunks and gaps and
    encodes the player's audio. Returns whether there is anything to process; if not, the
    session is ``failed``, saying so.
    """
    manifest = steps.work_dir(settings, session_id) / MANIFEST
    recording = read_manifest(manifest) if manifest.exists() else None
    if recording is None or not recording.chunks:
        _fail(settings, session_id, KuvendError("the recorder stopped before anything was kept"))
        return False
    log.info("session %s: closing an interrupted recording", session_id)
    _close(settings, session_id, recording)
    return True


class _LiveSession:
    """The session being recorded: chunks and gaps into the database, chunks to processing."""

    def __init__(self, settings: Settings, session_id: str, hook: StageHook) -> None:
        self.settings = settings
        self.session_id = session_id
        self._hook = hook
        self._gaps: list[Gap] = []
        self._processor: LiveProcessor | None = None
        self._captioner: LiveCaptioner | None = None

    def on_audio(self, audio: LiveAudio) -> None:
        if self._captioner is None:
            self._captioner = self._start_captions()
        self._captioner.feed(audio)

    def _start_captions(self) -> LiveCaptioner:
        with session_scope(self.settings.resolved_database_url) as db:
            info = load_session_info(session=db, session_id=self.session_id)
        options = StreamOptions(
            languages=tuple(info.languages),
            serbian_script=info.serbian_script,
            step_s=self.settings.live_caption_step_s,
        )
        log_to = CaptionLog(captions_dir(self.settings, self.session_id))
        return LiveCaptioner(lambda: load_engines(self.settings).whisper, options, log_to)

    def _chunked_may_start(self) -> bool:
        # On a CPU the chunked pass waits for a pause in the captions; a GPU serves both.
        captioner = self._captioner
        if captioner is None or load_engines(self.settings).whisper.device != "cpu":
            return True
        return captioner.quiet()

    def on_chunk(self, chunk: AudioChunk) -> None:
        # The chunk row (state "queued") first: captions and progress read it.
        with session_scope(self.settings.resolved_database_url) as db:
            save_chunks(session=db, session_id=self.session_id, chunks=[chunk])
        self.processor().submit(chunk)

    def on_gap(self, gap: Gap) -> None:
        self._gaps.append(gap)
        with session_scope(self.settings.resolved_database_url) as db:
            replace_gaps(session=db, session_id=self.session_id, gaps=self._gaps)

    def processor(self) -> LiveProcessor:
        # Made with the first chunk: a recorder that never connects starts no thread.
        if self._processor is None:
            self._processor = LiveProcessor(
                self.settings, self.session_id, hook=self._hook, may_start=self._chunked_may_start
            )
        return self._processor

    def finish(self, recording: Recording) -> RecordedSession:
        if not recording.chunks:
            _fail(self.settings, self.session_id, KuvendError("nothing was recorded"))
            return RecordedSession(self.session_id, recording, None, ())
        if self._captioner is not None:
            self._captioner.finish()
        _close(self.settings, self.session_id, recording)
        processor = self.processor()
        try:
            draft = processor.finish()
        except Exception as error:
            _fail(self.settings, self.session_id, error)
            if isinstance(error, KuvendError):
                raise
            raise KuvendError(f"processing the recording failed: {error}") from error
        log.info("session %s: draft ready", self.session_id)
        return RecordedSession(self.session_id, recording, draft, tuple(processor.latencies))


class _StopWatcher(threading.Thread):
    """Sets ``stop`` when the session's status becomes ``stopping``; reports the stop once."""

    def __init__(
        self, settings: Settings, session_id: str, stop: threading.Event, hook: StageHook
    ) -> None:
        super().__init__(name=f"stop-watch-{session_id}", daemon=True)
        self.settings = settings
        self.session_id = session_id
        self.stop = stop
        self.hook = hook
        self.done = threading.Event()

    def run(self) -> None:
        next_poll = time.monotonic() + STOP_POLL_S
        while not self.done.wait(_TICK_S):
            if self.stop.is_set():
                self.hook("stopping", self.session_id)
                return
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + STOP_POLL_S
                if self._stop_requested():
                    log.info("session %s: stop requested", self.session_id)
                    self.stop.set()

    def _stop_requested(self) -> bool:
        try:
            with session_scope(self.settings.resolved_database_url) as db:
                status = get_session(session=db, session_id=self.session_id).status
        except Exception:  # the database is away for a moment: the recording goes on
            log.exception("session %s: cannot read the session's status", self.session_id)
            return False
        return status == "stopping"


def _close(settings: Settings, session_id: str, recording: Recording) -> None:
    """Player audio, every chunk and gap stored, the session queued for its final step."""
    encode_recording_for_player(
        recording, steps.work_dir(settings, session_id) / steps.PLAYER_AUDIO
    )
    with session_scope(settings.resolved_database_url) as db:
        # Again, all of them: a chunk whose callback failed (database busy) is stored now.
        save_chunks(session=db, session_id=session_id, chunks=recording.chunks)
        replace_gaps(session=db, session_id=session_id, gaps=recording.gaps)
        set_session_status(
            session=db, session_id=session_id, status="queued", duration_s=recording.duration_s
        )


def _fail(settings: Settings, session_id: str, error: BaseException) -> None:
    message = " ".join(str(error).split()) or type(error).__name__
    log.error("session %s failed: %s", session_id, message)
    with session_scope(settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=session_id, status="failed", error=message)


def _move(settings: Settings, session_id: str, before: str, after: str, refusal: str) -> None:
    # One conditional UPDATE: of two concurrent movers (two recorders, two stops) one wins.
    with session_scope(settings.resolved_database_url) as db:
        moved = db.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.status == before)
            .values(status=after, error=None)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            status = get_session(session=db, session_id=session_id).status
            raise ConflictError(f"session {session_id} {refusal} (it is {status})")


__all__ = [
    "STOP_POLL_S",
    "RecordedSession",
    "begin_recording",
    "close_interrupted_recording",
    "new_recording_session",
    "record_session",
    "request_stop",
]
