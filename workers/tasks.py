"""Celery tasks: each takes IDs, calls one step of ``workers.steps``, and returns the session id.

The steps load what they need, store their result keyed by session, chunk, step and options,
and return the stored result when they find one; so a task delivered twice does no work twice.
What every task shares (progress in the database, retries, failing the session) is in
``StepTask``; their order is the plan's (``workers.plan``), chained in ``workers.celery_app``.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Ignore, Reject
from celery.utils.log import get_task_logger
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError as DatabaseDown

from kuvend.config import get_settings
from kuvend.errors import MediaError, TransientError
from kuvend.storage.artifacts import claim_once
from kuvend.storage.chunks import all_chunks_done, finish_chunk_stage, set_chunk_state
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import get_session, set_session_status
from workers import steps
from workers.celery_app import (
    CHUNK_DONE,
    DIARIZE,
    FINALIZE,
    INGEST,
    TRANSCRIBE,
    app,
    chunk_pipeline,
    finalize_signature,
)
from workers.chunk_run import one_line
from workers.engines import load_engines

log = get_task_logger(__name__)
_settings = get_settings()


class StepTask(Task):  # type: ignore[misc]
    """Base of Kuvend's tasks: progress in the database, retries only for ``TransientError``.

    Arguments start with the session's id, then (``per_chunk``) the chunk's index. A task of
    a session that has already failed is skipped. A chunk whose worker died
    ``queue_max_attempts`` times at one stage fails its session instead of looping (Celery's
    warning about ``reject_on_worker_lost``). Any other error fails the session with a
    one-line message, which the progress display and the API show; other sessions carry on.
    """

    autoretry_for = (TransientError, DatabaseDown)
    throws = (MediaError,)  # expected: logged in one line, without a traceback
    max_retries = _settings.queue_max_retries
    retry_backoff = 2
    retry_backoff_max = int(_settings.queue_retry_backoff_max_s)
    retry_jitter = True
    acks_late = True
    reject_on_worker_lost = True
    stage = ""
    """The stage a chunk is at while this task runs; empty: the task does not mark it."""
    per_chunk = False
    """The task's arguments are ``(session_id, chunk_index)``, not ``(session_id, …)``."""

    def begin(self, session_id: str, chunk_index: int | None = None) -> None:
        """First line of every task: skip a failed session, mark the chunk as running.

        Inside the task's body rather than in ``before_start``, so that a database that is
        down here is retried like any other transient error.
        """
        with session_scope(_settings.resolved_database_url) as db:
            if get_session(session=db, session_id=session_id).status == "failed":
                raise Ignore()
            if chunk_index is None or not self.stage or self.request.retries:
                return
            attempts = set_chunk_state(
                session=db,
                session_id=session_id,
                index=chunk_index,
                state="running",
                stage=self.stage,
            )
        if attempts > _settings.queue_max_attempts:
            message = (
                f"chunk {chunk_index} stopped its worker {attempts - 1} times during {self.stage}"
            )
            self._fail(session_id, chunk_index, message)
            raise Reject(message, requeue=False)

    def on_success(
        self, retval: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if self.per_chunk and self.stage:
            with session_scope(_settings.resolved_database_url) as db:
                finish_chunk_stage(session=db, session_id=args[0], index=args[1], stage=self.stage)

    def on_retry(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        log.warning("%s%s will be retried: %s", self.name, args, one_line(exc))

    def on_failure(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        if isinstance(exc, BrokerError):
            # Only the hand-over to the next task failed; Redis redelivers this one later and
            # the stored results make the rerun cheap. The session has not failed.
            log.warning("%s%s could not reach the broker: %s", self.name, args, exc)
            return
        self._fail(args[0], args[1] if self.per_chunk else None, one_line(exc))

    def _fail(self, session_id: str, chunk_index: int | None, message: str) -> None:
        log.error("session %s failed in %s: %s", session_id, self.name, message)
        with session_scope(_settings.resolved_database_url) as db:
            if chunk_index is not None:
                set_chunk_state(
                    session=db,
                    session_id=session_id,
                    index=chunk_index,
                    state="failed",
                    stage=self.stage or None,
                    error=message,
                )
            set_session_status(session=db, session_id=session_id, status="failed", error=message)


@app.task(  # type: ignore[untyped-decorator]
    base=StepTask, bind=True, name=INGEST
)
def ingest_session(self: StepTask, session_id: str) -> str:
    """Cut the session's media into chunks, then send each chunk down its chain."""
    self.begin(session_id)
    count = steps.ingest_session(settings=_settings, session_id=session_id)
    for index in range(count):
        chunk_pipeline(self.app, session_id, index).apply_async()
    return session_id


@app.task(  # type: ignore[untyped-decorator]
    base=StepTask, bind=True, name=TRANSCRIBE, stage="transcribe", per_chunk=True
)
def transcribe_chunk(self: StepTask, session_id: str, chunk_index: int) -> str:
    """Transcribe one chunk (the stored transcript if it has been done)."""
    self.begin(session_id, chunk_index)
    engines = load_engines(_settings)
    steps.transcribe_chunk_step(
        settings=_settings, engines=engines, session_id=session_id, chunk_index=chunk_index
    )
    return session_id


@app.task(  # type: ignore[untyped-decorator]
    base=StepTask, bind=True, name=DIARIZE, stage="diarize", per_chunk=True
)
def diarize_chunk(self: StepTask, session_id: str, chunk_index: int) -> str:
    """Find one chunk's speech regions and voices (the stored ones if done)."""
    self.begin(session_id, chunk_index)
    engines = load_engines(_settings)
    steps.diarize_chunk_step(
        settings=_settings, engines=engines, session_id=session_id, chunk_index=chunk_index
    )
    return session_id


@app.task(  # type: ignore[untyped-decorator]
    base=StepTask, bind=True, name=CHUNK_DONE, per_chunk=True
)
def chunk_done(self: StepTask, session_id: str, chunk_index: int) -> str:
    """Mark the chunk done; the last one to finish sends the session's final step."""
    self.begin(session_id, chunk_index)
    url = _settings.resolved_database_url
    with session_scope(url) as db:
        set_chunk_state(session=db, session_id=session_id, index=chunk_index, state="done")
    # A second transaction, after the commit: of two chunks finishing together, the later one
    # then sees both done. Both may send the final step; finalize_session lets one through.
    with session_scope(url) as db:
        ready = all_chunks_done(session=db, session_id=session_id)
    if ready:
        finalize_signature(self.app, session_id).apply_async()
    return session_id


@app.task(  # type: ignore[untyped-decorator]
    base=StepTask, bind=True, name=FINALIZE
)
def finalize_session(self: StepTask, session_id: str) -> str:
    """Speakers, attribution, statistics, the draft and its index; once per session."""
    self.begin(session_id)
    with session_scope(_settings.resolved_database_url) as db:
        mine = claim_once(session=db, session_id=session_id, name="finalize", owner=self.request.id)
    if not mine:
        log.info("session %s is already being finalized by another task", session_id)
        return session_id
    engines = load_engines(_settings)
    steps.finalize_session(settings=_settings, engines=engines, session_id=session_id)
    return session_id
