"""Submitting a session to the Celery workers and following it: what ``kuvend process --queue``
does instead of running the pipeline in-process.

The session is registered (media validated and kept in the shared media store, a row in the
database) before its first task is queued, so a worker never sees an ID that is not committed.
Its progress is read back from the database, where the tasks write it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Unpack

from kombu.exceptions import OperationalError as BrokerError

from kuvend.config import Settings
from kuvend.errors import PipelineError, TransientError
from kuvend.storage.chunks import SessionProgress, load_progress
from kuvend.storage.db import session_scope
from workers import steps
from workers.celery_app import create_app, session_pipeline
from workers.ingesting import NewSession

# The submitter gives up on an unreachable Redis after a few seconds: a person is waiting.
_SUBMIT_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.5, "interval_step": 1.0}


def submit_session(*, settings: Settings, **new: Unpack[NewSession]) -> str:
    """Register the session and queue its processing; returns the session's id.

    ``new``: the session, as :func:`workers.ingesting.create_session` takes it.

    Raises ``MediaError`` for unusable media (nothing queued) and ``TransientError`` when the
    queue cannot be reached (the session is then marked failed, saying so).
    """
    steps.prepare_database(settings)
    session_id = steps.create_session(settings=settings, **new)
    try:
        session_pipeline(create_app(settings), session_id).apply_async(
            retry_policy=_SUBMIT_RETRY_POLICY
        )
    except BrokerError as error:
        message = f"cannot reach the queue at {settings.redis_url}: {error}"
        steps.fail_session(settings=settings, session_id=session_id, error=message)
        raise TransientError(message) from error
    return session_id


def session_progress(*, settings: Settings, session_id: str) -> SessionProgress:
    """The session's status and its chunks' states, as the workers last wrote them."""
    with session_scope(settings.resolved_database_url) as db:
        return load_progress(session=db, session_id=session_id)


def follow_session(
    *, settings: Settings, session_id: str, poll_s: float = 0.5, timeout_s: float | None = None
) -> Iterator[SessionProgress]:
    """Yield the session's progress each time it changes, ending once it is finished.

    Raises ``PipelineError`` if it is not finished within ``timeout_s`` seconds.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    last: SessionProgress | None = None
    while True:
        progress = session_progress(settings=settings, session_id=session_id)
        if progress != last:
            yield progress
            last = progress
        if progress.finished:
            return
        if deadline is not None and time.monotonic() > deadline:
            raise PipelineError(
                f"session {session_id} is still {progress.status} after {timeout_s:.0f} s; "
                "are workers running on both queues (kuvend worker --queues gpu|cpu)?"
            )
        time.sleep(poll_s)


def draft_dir(settings: Settings, session_id: str) -> Path:
    """Where the workers wrote the session's draft minutes, exports and page."""
    return steps.work_dir(settings, session_id) / "draft"


def collect_outputs(*, settings: Settings, session_id: str, out_dir: Path) -> Path:
    """Copy the finished draft into ``out_dir``; ``minutes.json`` last, as the completion mark.

    The copy goes to a staging folder beside ``out_dir`` first, so an interrupted copy never
    looks complete.
    """
    source = draft_dir(settings, session_id)
    if not (source / "minutes.json").exists():
        raise PipelineError(f"session {session_id} has no finished minutes in {source}")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.{session_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    try:
        for path in sorted(staging.iterdir(), key=lambda p: p.name == "minutes.json"):
            target = out_dir / path.name
            if target.is_dir():
                shutil.rmtree(target)
            path.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir
