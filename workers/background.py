"""The embedded mode's processing: sessions run through every step on one background thread.

Without services (no Celery), the API processes an uploaded or recorded session on a thread of
its own process, a session at a time, writing chunk states as the Celery tasks do, so that the
progress endpoint reads the same either way. Sessions taken on this way carry a mark in the
database (:func:`mark_embedded`), so that an API killed mid-task resumes exactly those at its
next start (``PipelineActions.resume_interrupted``).
"""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy.orm import Session

from kuvend.config import Settings
from kuvend.storage.artifacts import artifact_key, save_artifact
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import set_session_status
from workers import steps
from workers.chunk_run import one_line, run_to_draft
from workers.recording import (
    close_interrupted_recording,
)

log = logging.getLogger(__name__)


def embedded_key(session_id: str) -> str:
    """The artifact key that marks a session as the embedded API's work."""
    return artifact_key(session_id, None, "embedded", "api")


def mark_embedded(settings: Settings, session_id: str, *, db: Session | None = None) -> None:
    """Mark the session as the embedded API's work, for ``PipelineActions.resume_interrupted``.

    In ``db``'s unit of work when given (with the status change it belongs to), else its own.
    """
    if db is not None:
        save_artifact(session=db, key=embedded_key(session_id), session_id=session_id, payload={})
        return
    with session_scope(settings.resolved_database_url) as own:
        mark_embedded(settings, session_id, db=own)


def process_session(settings: Settings, session_id: str) -> None:
    """Run a queued session through every step in this process, writing its progress.

    The plan (``workers.plan``) to the draft, as the Celery chains run it, with each chunk's
    state and stage as the tasks write them. Never raises: a failure fails the session (and
    the chunk at work) with a one-line error that the progress endpoint shows.
    """
    try:
        run_to_draft(settings=settings, session_id=session_id)
    except Exception as error:  # a background thread has no caller to raise to
        message = one_line(error)
        log.exception("session %s failed: %s", session_id, message)
        with session_scope(settings.resolved_database_url) as db:
            set_session_status(session=db, session_id=session_id, status="failed", error=message)


def resume_recording(settings: Settings, session_id: str) -> None:
    """Close a recording whose recorder died with its process, then process the session.

    Never raises, like :func:`process_session`: a failure fails the session with one line.
    """
    try:
        kept = close_interrupted_recording(settings, session_id)
    except Exception as error:  # a background thread has no caller to raise to
        message = one_line(error)
        log.exception("session %s failed: %s", session_id, message)
        steps.fail_session(settings=settings, session_id=session_id, error=message)
        return
    if kept:
        process_session(settings, session_id)


class BackgroundProcessing:
    """Sessions processed one at a time, in the order accepted, on a daemon thread.

    One at a time because the models use every core already. A daemon, so that stopping the
    API is not held up for an hour; a session interrupted that way is resumed by the next
    start of the API (``PipelineActions.resume_interrupted``).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queue: queue.Queue[tuple[str, bool]] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="kuvend-processing", daemon=True)
        self._thread.start()

    def submit(self, session_id: str, *, close_recording: bool = False) -> None:
        """Queue the session; ``close_recording``: an interrupted recording, closed first."""
        self._queue.put((session_id, close_recording))

    def _work(self) -> None:
        while True:
            session_id, close_recording = self._queue.get()
            if close_recording:
                resume_recording(self.settings, session_id)
            else:
                process_session(self.settings, session_id)
