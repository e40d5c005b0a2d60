"""Tasks of the tests' own on Kuvend's ``StepTask``, failing on purpose a set number of times.

A worker loads them with ``--include tests.workers.flaky_tasks``. Each attempt is recorded as
an artifact, so the test reads from the database how often the task ran.
"""

from __future__ import annotations

import os
import signal
import time

from kuvend.config import get_settings
from kuvend.errors import MediaError, TransientError
from kuvend.storage.artifacts import save_artifact
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import set_session_status
from workers.celery_app import app
from workers.tasks import StepTask

FLAKY = "tests.workers.flaky"
DOOMED = "tests.workers.doomed"
_ERRORS = {"transient": TransientError, "media": MediaError, "bug": ZeroDivisionError}


@app.task(base=StepTask, bind=True, name=FLAKY)  # type: ignore[untyped-decorator]
def flaky(self: StepTask, session_id: str, failures: int, error: str) -> str:
    """Fail ``failures`` times with ``error``, then mark the session a draft."""
    self.begin(session_id)
    attempt = self.request.retries + 1
    with session_scope(get_settings().resolved_database_url) as db:
        save_artifact(
            session=db, key=f"{session_id}:-:attempt:{attempt}", session_id=session_id, payload={}
        )
    if attempt <= failures:
        raise _ERRORS[error](f"flaky failure {attempt} of {failures}")
    with session_scope(get_settings().resolved_database_url) as db:
        set_session_status(session=db, session_id=session_id, status="draft")
    return session_id


@app.task(base=StepTask, bind=True, name=DOOMED, stage="transcribe", per_chunk=True)  # type: ignore[untyped-decorator]
def doomed(self: StepTask, session_id: str, chunk_index: int) -> str:
    """Kill the worker process running it, as a decoder crashing on a poison chunk would."""
    self.begin(session_id, chunk_index)
    with session_scope(get_settings().resolved_database_url) as db:
        save_artifact(
            session=db,
            key=f"{session_id}:{chunk_index}:death:{time.time_ns()}",
            session_id=session_id,
            payload={},
        )
    os.kill(os.getpid(), signal.SIGKILL)
    return session_id
