"""Whole sessions through real Celery workers on Redis and PostgreSQL, with the real models.

Each test compares the minutes the queue gives with what the in-process runner gives for the
same recording (``kuvend process``, run once per module). Decoding runs with
``KUVEND_WHISPER_TEMPERATURES=0`` in both: Whisper's fallback otherwise samples, and
CTranslate2's sampling cannot be seeded from Python, so two runs of the same audio (queue or
not) could differ in their text.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from sqlalchemy import func, select

from kuvend.config import Settings
from kuvend.storage.chunks import SessionProgress, load_progress
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import SegmentRow
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from tests.workers.conftest import (
    ROOT,
    StartWorker,
    Worker,
    kuvend_environment,
    queue_settings,
)
from workers.celery_app import create_app, session_pipeline
from workers.submit import collect_outputs, follow_session, submit_session

pytestmark = [pytest.mark.slow, pytest.mark.services]

TITLE = "Seanca e radhës / Redovna sednica"
SESSION_DATE = date(2025, 3, 14)
DETERMINISTIC = {"KUVEND_WHISPER_TEMPERATURES": "0"}
T = TypeVar("T")


def _normalised(minutes: dict[str, Any]) -> dict[str, Any]:
    """The minutes without the identifiers that name this particular session."""
    copy = json.loads(json.dumps(minutes))
    copy["session"].pop("id")
    for segment in copy["segments"]:
        segment.pop("id")
    return copy


def _wait_for(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while (value := check()) is None or value is False:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.2)
    return value


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three turns, Albanian and Serbian, about 17 s: several 7-second chunks."""
    folder = tmp_path_factory.mktemp("recording")
    return synthesize_session(bilingual_dialogue(3), folder / "session.wav").path


@pytest.fixture(scope="module")
def reference_minutes(recording: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What ``kuvend process`` (the in-process runner, SQLite, no services) writes."""
    folder = tmp_path_factory.mktemp("in-process")
    env = kuvend_environment(
        database_url="",
        redis_url="redis://127.0.0.1:1/0",
        data_dir=folder / "data",
        **DETERMINISTIC,
    )
    out = folder / "minutes"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kuvend",
            "process",
            str(recording),
            "--out",
            str(out),
            "--assembly",
            "demo",
            "--title",
            TITLE,
            "--date",
            SESSION_DATE.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    minutes: dict[str, Any] = json.loads((out / "minutes.json").read_text())
    return minutes


def _submit(settings: Settings, recording: Path) -> str:
    return submit_session(
        settings=settings,
        media_path=recording,
        assembly="demo",
        title=TITLE,
        session_date=SESSION_DATE,
        languages=("sq", "sr"),
    )


def _finish(settings: Settings, session_id: str) -> SessionProgress:
    return list(follow_session(settings=settings, session_id=session_id, timeout_s=900))[-1]


def _progress(settings: Settings, session_id: str) -> SessionProgress:
    with session_scope(settings.resolved_database_url) as db:
        return load_progress(session=db, session_id=session_id)


def _assert_complete_and_equal(
    settings: Settings, session_id: str, reference: dict[str, Any], out: Path
) -> None:
    progress = _finish(settings, session_id)
    assert progress.status == "draft", progress.error
    assert len(progress.chunks) >= 3
    assert all(chunk.state == "done" for chunk in progress.chunks)
    collect_outputs(settings=settings, session_id=session_id, out_dir=out)
    minutes = json.loads((out / "minutes.json").read_text())
    assert _normalised(minutes) == _normalised(reference)
    with session_scope(settings.resolved_database_url) as db:
        stored = db.scalar(select(func.count()).where(SegmentRow.session_id == session_id))
    assert stored == len(minutes["segments"])  # no segment stored twice


@pytest.fixture
def env(postgres_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return kuvend_environment(
        database_url=postgres_url,
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        # Long enough for any task here, short enough that a killed task comes back soon.
        KUVEND_QUEUE_VISIBILITY_TIMEOUT_S="60",
        **DETERMINISTIC,
    )


def _start_workers(start_worker: StartWorker, env: dict[str, str]) -> tuple[Worker, Worker]:
    gpu, cpu = start_worker("gpu", env), start_worker("cpu", env)
    gpu.wait_ready(300)
    cpu.wait_ready(120)
    return gpu, cpu


def test_a_session_through_the_queues_gives_the_in_process_minutes_and_a_bad_one_fails_alone(
    env: dict[str, str],
    start_worker: StartWorker,
    recording: Path,
    reference_minutes: dict[str, Any],
    tmp_path: Path,
) -> None:
    settings = queue_settings(env)
    _start_workers(start_worker, env)
    # A session whose stored media turned out unreadable (a truncated upload on the shared
    # volume), queued just before a good one on the same workers.
    broken = tmp_path / "truncated.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with session_scope(settings.resolved_database_url) as db:
        bad_id = create_session(
            session=db, assembly="demo", title="broken", date=SESSION_DATE, media_path=broken
        ).id
    session_pipeline(create_app(settings), bad_id).apply_async()
    good_id = _submit(settings, recording)

    _assert_complete_and_equal(settings, good_id, reference_minutes, tmp_path / "out")
    bad = _finish(settings, bad_id)
    assert bad.status == "failed" and bad.chunks == ()
    assert bad.error and "\n" not in bad.error and "truncated.mp4" in bad.error


def _received(worker: Worker, task: str) -> list[str]:
    marker = f"Task {task}["
    return [
        line.split(marker, 1)[1].split("]", 1)[0]
        for line in worker.log().splitlines()
        if marker in line and line.rstrip().endswith("received")
    ]


def test_a_worker_killed_mid_transcription_loses_no_chunk_and_duplicates_no_segment(
    env: dict[str, str],
    start_worker: StartWorker,
    recording: Path,
    reference_minutes: dict[str, Any],
    tmp_path: Path,
) -> None:
    settings = queue_settings(env)
    first_gpu, _ = _start_workers(start_worker, env)
    session_id = _submit(settings, recording)

    def transcribing() -> int | None:
        chunks = _progress(settings, session_id).chunks
        running = [c.index for c in chunks if (c.state, c.stage) == ("running", "transcribe")]
        return running[0] if running and running[0] > 0 else None

    # Kill it as soon as it decodes the second chunk: the first is stored, the rest are not.
    _wait_for(transcribing, 600, "the second chunk's transcription to start")
    in_flight = _received(first_gpu, "workers.tasks.transcribe_chunk")[-1]
    first_gpu.kill()
    assert f"{in_flight}] succeeded" not in first_gpu.log()

    second_gpu = start_worker("gpu", env)
    _assert_complete_and_equal(settings, session_id, reference_minutes, tmp_path / "out")
    # The very task that died was delivered again, to the new worker, and finished there.
    assert in_flight in _received(second_gpu, "workers.tasks.transcribe_chunk")
    assert f"{in_flight}] succeeded" in second_gpu.log()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """A redis-server of this test's own (append-only file, fsync always), restartable.

    The machine's shared Redis on 6379 is never restarted: other tests use it.
    """
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    command = [
        server,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(folder),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ]
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        processes.append(process)
        client = redis.Redis(port=port)
        _wait_for(lambda: _pings(client), 30, "redis-server to answer")
        client.close()
        return process

    start.port = port  # type: ignore[attr-defined]
    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_a_session_completes_across_a_restart_of_redis(
    postgres_url: str,
    private_redis: Callable[[], subprocess.Popen[bytes]],
    start_worker: StartWorker,
    recording: Path,
    reference_minutes: dict[str, Any],
    tmp_path: Path,
) -> None:
    broker = private_redis()
    port = private_redis.port  # type: ignore[attr-defined]
    env = kuvend_environment(
        database_url=postgres_url,
        redis_url=f"redis://127.0.0.1:{port}/0",
        data_dir=tmp_path / "data",
        KUVEND_QUEUE_VISIBILITY_TIMEOUT_S="60",
        **DETERMINISTIC,
    )
    settings = queue_settings(env)
    _start_workers(start_worker, env)
    session_id = _submit(settings, recording)

    def midway() -> bool:
        # As soon as a worker is at work: the other chunks' messages then wait in Redis, and
        # the running task's acknowledgement and next step go out after the restart. (Waiting
        # for "some chunks done, not all" raced: on an idle machine the chunks' last steps
        # finish together, and that state never shows.)
        progress = _progress(settings, session_id)
        assert progress.status != "draft", "the session finished before Redis could restart"
        return any(chunk.state in ("running", "done") for chunk in progress.chunks)

    _wait_for(midway, 600, "a worker to start on the session")
    broker.terminate()  # SIGTERM: Redis shuts down cleanly, its append-only file intact
    broker.wait(30)
    time.sleep(3.0)  # the workers notice, and retry their connections
    private_redis()

    _assert_complete_and_equal(settings, session_id, reference_minutes, tmp_path / "out")


def _kuvend_process_queue(env: dict[str, str], recording: Path, out: Path) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "kuvend", "process", str(recording), "--queue",
         "--out", str(out), "--assembly", "demo", "--title", TITLE,
         "--date", SESSION_DATE.isoformat()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_kuvend_process_queue_gives_the_in_process_minutes(
    env: dict[str, str],
    start_worker: StartWorker,
    recording: Path,
    reference_minutes: dict[str, Any],
    tmp_path: Path,
) -> None:
    _start_workers(start_worker, env)
    out = tmp_path / "minutes"
    result = _kuvend_process_queue(env, recording, out)
    assert result.returncode == 0, result.stderr[-3000:]
    session_id = result.stderr.split("Session ", 1)[1].split()[0]
    assert f"Session {session_id} queued." in result.stderr
    minutes = json.loads((out / "minutes.json").read_text())
    assert _normalised(minutes) == _normalised(reference_minutes)
    written = {path.name for path in out.iterdir()}
    assert {"index.html", "minutes.srt", "minutes.txt", "minutes.vtt", "audio.m4a"} <= written
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []
    assert _progress(queue_settings(env), session_id).status == "draft"


def test_kuvend_process_queue_without_redis_is_a_one_line_error(
    postgres_url: str, recording: Path, tmp_path: Path
) -> None:
    env = kuvend_environment(
        database_url=postgres_url,
        redis_url=f"redis://127.0.0.1:{_free_port()}/0",
        data_dir=tmp_path / "data",
    )
    out = tmp_path / "minutes"
    result = _kuvend_process_queue(env, recording, out)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("kuvend: error: cannot reach the queue at redis://127.0.0.1:"), line
    assert not (out / "minutes.json").exists()
