"""Following a submitted session: what the CLI shows, read from the database (both kinds)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from cli.worker_cmd import watch_session
from kuvend.config import Settings
from kuvend.domain import AudioChunk
from kuvend.errors import PipelineError
from kuvend.storage.chunks import save_chunks, set_chunk_state
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import create_session, set_session_status
from tests.workers.conftest import ROOT, kuvend_environment
from workers.submit import follow_session


@pytest.fixture
def db_settings(settings: Settings, database_url: str) -> Settings:
    return settings.model_copy(update={"database_url": database_url})


def _session(settings: Settings, chunks: int = 3) -> str:
    with session_scope(settings.resolved_database_url) as db:
        row = create_session(
            session=db, assembly="peje", title="Seanca", date=date(2025, 2, 3), status="processing"
        )
        save_chunks(
            session=db,
            session_id=row.id,
            chunks=[AudioChunk(i, Path(f"/c{i}.wav"), 7.0 * i, 7.0) for i in range(chunks)],
        )
        return row.id


def _advance(settings: Settings, session_id: str, *, fail: str | None = None) -> None:
    """What the workers would do: each chunk runs then is done; then the draft (or a failure)."""
    for index in range(3):
        time.sleep(0.15)
        with session_scope(settings.resolved_database_url) as db:
            set_chunk_state(
                session=db, session_id=session_id, index=index, state="running", stage="transcribe"
            )
        time.sleep(0.15)
        with session_scope(settings.resolved_database_url) as db:
            set_chunk_state(session=db, session_id=session_id, index=index, state="done")
    with session_scope(settings.resolved_database_url) as db:
        status = "failed" if fail else "draft"
        set_session_status(session=db, session_id=session_id, status=status, error=fail)


def test_following_sees_each_chunk_finish_then_the_draft(db_settings: Settings) -> None:
    session_id = _session(db_settings)
    worker = threading.Thread(target=_advance, args=(db_settings, session_id))
    worker.start()
    seen = list(follow_session(settings=db_settings, session_id=session_id, poll_s=0.02))
    worker.join()
    done = [progress.chunks_done for progress in seen]
    assert done == sorted(done) and done[-1] == 3
    assert any(c.stage == "transcribe" for p in seen for c in p.chunks if c.state == "running")
    assert seen[-1].status == "draft" and seen[-1].finished


def test_the_progress_bar_shows_chunks_and_the_outcome(db_settings: Settings) -> None:
    session_id = _session(db_settings)
    worker = threading.Thread(target=_advance, args=(db_settings, session_id))
    worker.start()
    screen = io.StringIO()
    console = Console(file=screen, width=100, force_terminal=False)
    progress = watch_session(settings=db_settings, session_id=session_id, console=console)
    worker.join()
    assert progress.status == "draft"
    assert "3/3" in screen.getvalue() and "draft" in screen.getvalue()


def test_a_failed_session_raises_its_error(db_settings: Settings) -> None:
    session_id = _session(db_settings)
    message = "sesioni.mp4 is not a media file ffmpeg can read"
    worker = threading.Thread(
        target=_advance, args=(db_settings, session_id), kwargs={"fail": message}
    )
    worker.start()
    with pytest.raises(PipelineError, match="is not a media file"):
        watch_session(
            settings=db_settings, session_id=session_id, console=Console(file=io.StringIO())
        )
    worker.join()


def test_following_a_stuck_session_times_out_with_a_hint(db_settings: Settings) -> None:
    session_id = _session(db_settings)
    with pytest.raises(PipelineError, match="kuvend worker --queues"):
        list(follow_session(settings=db_settings, session_id=session_id, timeout_s=0.3))


def test_kuvend_worker_refuses_an_unknown_queue() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kuvend", "worker", "--queues", "gpu,video"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "unknown queue video" in result.stderr


@pytest.mark.services
def test_kuvend_worker_starts_a_worker_on_its_queue(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = kuvend_environment(database_url=postgres_url, redis_url=redis_url, data_dir=tmp_path)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kuvend", "worker", "--queues", "cpu"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-2000:]
            time.sleep(0.3)
        text = log.read_text()
        assert " ready." in text
        assert "cpu@" in text and ".> cpu " in text and ".> gpu " not in text
    finally:
        process.terminate()
        process.wait(60)
