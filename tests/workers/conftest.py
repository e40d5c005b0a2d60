"""Real Celery workers as subprocesses, on the machine's Redis and PostgreSQL.

``start_worker(queues)`` starts ``celery -A workers.celery_app worker`` in its own process group
(so that a SIGKILL takes its pool with it) with the test's ``KUVEND_*`` environment; every
worker a test started is stopped when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore
from kuvend.storage.sessions import SessionStatus, create_session

ROOT = Path(__file__).resolve().parents[2]
MODEL_CACHE_DIR = Path(os.environ.get("KUVEND_TEST_CACHE_DIR", "~/.cache/kuvend")).expanduser()

#: Chunk length for the worker tests: a 20-second session makes several chunks.
CHUNK_SECONDS = 7.0


def kuvend_environment(
    *, database_url: str, redis_url: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of a worker or CLI subprocess: this test's services and folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUVEND_")}
    env.update(
        KUVEND_DATABASE_URL=database_url,
        KUVEND_REDIS_URL=redis_url,
        KUVEND_DATA_DIR=str(data_dir),
        KUVEND_CACHE_DIR=str(MODEL_CACHE_DIR),
        KUVEND_CHUNK_SECONDS=str(CHUNK_SECONDS),
        KUVEND_WHISPER_CPU_THREADS="2",
        KUVEND_SEARCH_BACKEND="sqlite",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Worker:
    """A ``celery worker`` subprocess and its log."""

    name: str
    queues: str
    log_path: Path
    process: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)

    def log(self) -> str:
        """Everything the worker has logged so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Block until the worker says it is ready (and, on gpu, has loaded its models)."""
        deadline = time.monotonic() + timeout_s
        needle = "worker process ready" if "gpu" in self.queues else " ready."
        while needle not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} not ready:\n{self.log()[-3000:]}")
            time.sleep(0.3)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash or OOM would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Start workers for this test; all are stopped at its end, whatever happened."""
    workers: list[Worker] = []

    def start(queues: str, env: dict[str, str], *extra_args: str) -> Worker:
        name = f"{queues.replace(',', '-')}{len(workers)}"
        log_path = tmp_path / f"worker-{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "worker",
            f"--queues={queues}",
            "--concurrency=1",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=info",
            *extra_args,
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(name, queues, log_path, process)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def queue_settings(env: dict[str, str]) -> Settings:
    """``Settings`` equal to what the workers read from ``env``."""
    values = {
        k.removeprefix("KUVEND_").lower(): v for k, v in env.items() if k.startswith("KUVEND_")
    }
    return Settings(_env_file=None, **values)


def new_session(
    config: Settings, media: Path | None, *, title: str, status: SessionStatus = "queued"
) -> str:
    """A session of the assembly ``prishtine`` on 14 March 2025, its media (when given) in the
    media store, as a step or a runner finds it; returns its id."""
    stored = MediaStore(config.resolved_media_dir).add_file(media) if media else None
    with session_scope(config.resolved_database_url) as db:
        return create_session(
            session=db,
            assembly="prishtine",
            title=title,
            date=date(2025, 3, 14),
            status=status,
            media_sha256=stored.sha256 if stored else None,
            media_path=stored.path if stored else None,
        ).id
