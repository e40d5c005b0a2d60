"""Throughput of the Celery workers and the queue's overhead per chunk, against in-process.

Usage::

    .venv/bin/python bench/queues.py [--chunks N] [--chunk-seconds S] [--workers 1,2]

Synthesises a bilingual session long enough for N chunks, then measures, on the machine's Redis
(127.0.0.1:6379, a database of its own) and PostgreSQL (a database created and dropped here):

1. in-process: the plan as ``kuvend process`` runs it (``workers.chunk_run.run_to_draft``, chunk
   states written too), in this process (models loaded beforehand);
2. queue, W workers (each ``celery worker -Q gpu,cpu --concurrency 1``, models loaded before the
   clock starts): wall time from submission to the finished draft, and chunks per minute;
3. replay: the same session again with every chunk's transcript and diarization stored, so the
   per-chunk work is only orchestration; in-process and through the queue. Their difference
   divided by N is the queue's own overhead per chunk (hops through Redis, the tasks' bookkeeping).

Decoding is deterministic (``KUVEND_WHISPER_TEMPERATURES=0``), so every run does the same work.
On a shared 2-core machine the model-bound figures move with the load; the replay is stable.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kuvend.config import Settings  # noqa: E402
from kuvend.storage.artifacts import delete_artifacts  # noqa: E402
from kuvend.storage.chunks import load_chunks, set_chunk_state  # noqa: E402
from kuvend.storage.db import get_engine, session_scope  # noqa: E402
from kuvend.storage.sessions import set_session_status  # noqa: E402
from kuvend.synthetic import bilingual_dialogue, synthesize_session  # noqa: E402
from workers import steps  # noqa: E402
from workers.celery_app import create_app, session_pipeline  # noqa: E402
from workers.chunk_run import run_to_draft  # noqa: E402
from workers.engines import load_engines  # noqa: E402
from workers.submit import follow_session  # noqa: E402

POSTGRES = os.environ.get("KUVEND_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Database 7: the tests claim 8..15 and flush them.
REDIS = os.environ.get("KUVEND_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def _environment(database_url: str, data_dir: Path, chunk_seconds: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUVEND_")}
    env.update(
        KUVEND_DATABASE_URL=database_url,
        KUVEND_REDIS_URL=REDIS,
        KUVEND_DATA_DIR=str(data_dir),
        KUVEND_CHUNK_SECONDS=str(chunk_seconds),
        KUVEND_WHISPER_TEMPERATURES="0",
        KUVEND_WHISPER_CPU_THREADS="2",
        KUVEND_SEARCH_BACKEND="sqlite",
        HF_HUB_OFFLINE="1",
    )
    return env


@contextmanager
def _database() -> Iterator[str]:
    name = f"kuvend_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _workers(count: int, env: dict[str, str], logs: Path) -> Iterator[None]:
    """``count`` workers on both queues, started and with their models loaded."""
    processes, paths = [], []
    for number in range(count):
        path = logs / f"worker{count}-{number}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "worker",
            "--queues=gpu,cpu",
            "--concurrency=1",
            f"--hostname=bench{number}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=info",
        ]
        with path.open("wb") as log:
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        paths.append(path)
    try:
        deadline = time.monotonic() + 300
        while not all("worker process ready" in p.read_text(errors="replace") for p in paths):
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers not ready; see {logs}")
            time.sleep(0.5)
        yield
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(60)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _in_process(settings: Settings, session_id: str) -> None:
    run_to_draft(settings=settings, session_id=session_id, engines=load_engines(settings))


def _rearm(settings: Settings, session_id: str) -> None:
    """Make a finished session runnable again, keeping its chunks' stored results."""
    with session_scope(settings.resolved_database_url) as db:
        delete_artifacts(session=db, session_id=session_id, stage="claim")
        for chunk in load_chunks(session=db, session_id=session_id):
            set_chunk_state(session=db, session_id=session_id, index=chunk.index, state="queued")
        set_session_status(session=db, session_id=session_id, status="queued")


def _through_queue(settings: Settings, session_id: str) -> None:
    session_pipeline(create_app(settings), session_id).apply_async()
    last = list(follow_session(settings=settings, session_id=session_id, poll_s=0.05))[-1]
    if last.status != "draft":
        raise RuntimeError(f"session {session_id} ended {last.status}: {last.error}")


def _line(label: str, seconds: float, chunks: int) -> str:
    return f"{label:<24}{seconds:8.2f} s  {60 * chunks / seconds:7.2f} chunks/min  " + (
        f"{seconds / chunks:6.3f} s/chunk"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--chunks", type=int, default=6)
    parser.add_argument("--chunk-seconds", type=float, default=5.0)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuvend-bench-queue-") as tmp, _database() as url:
        folder = Path(tmp)
        turns = max(2, round(args.chunks * args.chunk_seconds / 5.5))
        recording = synthesize_session(bilingual_dialogue(turns), folder / "session.wav")
        env = _environment(url, folder / "data", args.chunk_seconds)
        os.environ.update(env)
        settings = Settings(_env_file=None)
        steps.prepare_database(settings)
        redis.Redis.from_url(REDIS).flushdb()

        def new_session() -> str:
            return steps.create_session(
                settings=settings,
                media_path=recording.path,
                assembly="bench",
                title="bench",
                session_date=date.today(),
                languages=("sq", "sr"),
            )

        load_engines(settings).warm()  # loading the models is not what is measured
        local = new_session()
        in_process = _timed(lambda: _in_process(settings, local))
        with session_scope(url) as db:
            chunks = len(load_chunks(session=db, session_id=local))
        _rearm(settings, local)
        replay_local = _timed(lambda: _in_process(settings, local))
        print(f"audio {recording.duration_s:.1f} s in {chunks} chunks of ~{args.chunk_seconds} s")
        print(_line("in-process", in_process, chunks))

        replay_queue = one_worker = 0.0
        for count in (int(n) for n in args.workers.split(",")):
            with _workers(count, env, folder):
                queued = new_session()
                started = time.perf_counter()
                _through_queue(settings, queued)
                wall = time.perf_counter() - started
                print(_line(f"queue, {count} worker(s)", wall, chunks))
                if count == 1:
                    one_worker = wall
                    _rearm(settings, queued)
                    started = time.perf_counter()
                    _through_queue(settings, queued)
                    replay_queue = time.perf_counter() - started
        print(_line("replay in-process", replay_local, chunks))
        if replay_queue:
            print(_line("replay through queue", replay_queue, chunks))
            overhead = (replay_queue - replay_local) / chunks
            print(f"queue overhead          {overhead:8.3f} s per chunk (replays)")
        if one_worker:
            overall = (one_worker - in_process) / chunks
            print(f"1 worker - in-process   {overall:8.3f} s per chunk (end to end, with models)")


if __name__ == "__main__":
    main()
