"""Delivery rules on a real worker, Redis and PostgreSQL, with the tests' own small tasks:
retries only for transient errors, a bad input fails only its own session, and a chunk that
keeps killing its worker stops instead of looping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kuvend.config import Settings
from kuvend.domain import AudioChunk
from kuvend.storage.chunks import SessionProgress, load_progress, save_chunks
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import create_session, set_session_status
from kuvend.storage.tables import ArtifactRow
from tests.workers.conftest import StartWorker, kuvend_environment, queue_settings
from tests.workers.flaky_tasks import DOOMED, FLAKY
from workers.celery_app import create_app
from workers.submit import follow_session

pytestmark = pytest.mark.services


@pytest.fixture
def env(postgres_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return kuvend_environment(
        database_url=postgres_url,
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        KUVEND_QUEUE_MAX_RETRIES="2",
        KUVEND_QUEUE_RETRY_BACKOFF_MAX_S="1",
        KUVEND_QUEUE_MAX_ATTEMPTS="2",
    )


@pytest.fixture
def worker_settings(env: dict[str, str], start_worker: StartWorker) -> Settings:
    start_worker("cpu", env, "--include=tests.workers.flaky_tasks").wait_ready()
    return queue_settings(env)


def _new_session(settings: Settings) -> str:
    with session_scope(settings.resolved_database_url) as db:
        row = create_session(
            session=db,
            assembly="gjilan",
            title="Seanca",
            date=date(2025, 5, 6),
            status="processing",
        )
        save_chunks(
            session=db, session_id=row.id, chunks=[AudioChunk(0, Path("/nowhere.wav"), 0.0, 7.0)]
        )
        return row.id


def _finish(settings: Settings, session_id: str) -> SessionProgress:
    return list(follow_session(settings=settings, session_id=session_id, timeout_s=60))[-1]


def _runs(settings: Settings, session_id: str, kind: str) -> int:
    with session_scope(settings.resolved_database_url) as db:
        return (
            db.scalar(
                select(func.count()).where(
                    ArtifactRow.session_id == session_id, ArtifactRow.key.like(f"%:{kind}:%")
                )
            )
            or 0
        )


def _send(settings: Settings, name: str, *args: object) -> None:
    create_app(settings).signature(name, args=args).apply_async(queue="cpu")


def test_a_transient_error_is_retried_until_it_passes(worker_settings: Settings) -> None:
    session_id = _new_session(worker_settings)
    _send(worker_settings, FLAKY, session_id, 2, "transient")
    assert _finish(worker_settings, session_id).status == "draft"
    assert _runs(worker_settings, session_id, "attempt") == 3


def test_a_lasting_transient_error_fails_the_session_after_the_retries(
    worker_settings: Settings,
) -> None:
    session_id = _new_session(worker_settings)
    _send(worker_settings, FLAKY, session_id, 10, "transient")
    progress = _finish(worker_settings, session_id)
    assert (progress.status, progress.error) == ("failed", "flaky failure 3 of 10")
    assert _runs(worker_settings, session_id, "attempt") == 3  # the first try and 2 retries


def test_a_media_error_fails_its_session_at_once_and_others_carry_on(
    worker_settings: Settings,
) -> None:
    poisoned, healthy = _new_session(worker_settings), _new_session(worker_settings)
    _send(worker_settings, FLAKY, poisoned, 5, "media")
    _send(worker_settings, FLAKY, healthy, 1, "transient")
    progress = _finish(worker_settings, poisoned)
    assert (progress.status, progress.error) == ("failed", "flaky failure 1 of 5")
    assert _runs(worker_settings, poisoned, "attempt") == 1  # never retried
    assert _finish(worker_settings, healthy).status == "draft"


def test_an_unexpected_error_fails_the_session_naming_it(worker_settings: Settings) -> None:
    session_id = _new_session(worker_settings)
    _send(worker_settings, FLAKY, session_id, 5, "bug")
    progress = _finish(worker_settings, session_id)
    assert progress.error == "ZeroDivisionError: flaky failure 1 of 5"
    assert _runs(worker_settings, session_id, "attempt") == 1


def test_a_chunk_that_keeps_killing_its_worker_fails_its_session(
    worker_settings: Settings,
) -> None:
    session_id = _new_session(worker_settings)
    _send(worker_settings, DOOMED, session_id, 0)
    progress = _finish(worker_settings, session_id)
    assert progress.status == "failed"
    assert progress.error == "chunk 0 stopped its worker 2 times during transcribe"
    assert (progress.chunks[0].state, progress.chunks[0].attempts) == ("failed", 3)
    assert _runs(worker_settings, session_id, "death") == 2


def test_tasks_of_a_failed_session_are_skipped(worker_settings: Settings) -> None:
    session_id = _new_session(worker_settings)
    with session_scope(worker_settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=session_id, status="failed", error="bad media")
    marker = _new_session(worker_settings)
    _send(worker_settings, FLAKY, session_id, 0, "transient")
    _send(worker_settings, FLAKY, marker, 0, "transient")
    # One worker process takes the queue in order: once the marker is done, so is the other.
    assert _finish(worker_settings, marker).status == "draft"
    with session_scope(worker_settings.resolved_database_url) as db:
        after = load_progress(session=db, session_id=session_id)
    assert (after.status, after.error) == ("failed", "bad media")
    assert _runs(worker_settings, session_id, "attempt") == 0
