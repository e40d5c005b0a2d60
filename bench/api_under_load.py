"""Mixed API requests on SQLite while two sessions are being processed: lock errors and latency.

Usage::

    .venv/bin/python bench/api_under_load.py [--requests 1000] [--threads 4] [--turns 2]

Two ``kuvend process`` commands (real Whisper base, espeak-ng sessions of ``--turns`` turns,
about 12 s of speech at the default 2) write into the same SQLite database as the API while
``--requests`` requests are sent from ``--threads`` threads: session lists, searches, members,
scheduling a session, adding a member (a quarter of them writes). The requests start once both
commands are processing; a command that finishes is started again, so two are processing all
the time, and when the requests are done the running ones are stopped with SIGTERM (they mark
their sessions failed) instead of being waited for. Prints how many answers were 5xx, how many
of those said "database is locked", the p50/p95/max latency in milliseconds, the CPU-seconds of
this process and of the processing commands, how many processing runs finished, and the load
average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kuvend.config import Settings
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.sessions import create_session, ensure_assembly
from kuvend.storage.tables import SessionRow
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from search_api import security
from search_api.accounts import create_user
from search_api.app import create_app
from workers.actions import PipelineActions

ROOT = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD = "sekretaria@prishtine.example", "bench-password-1234"


def _seed(settings: Settings) -> None:
    migrate(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as db:
        ensure_assembly(session=db, slug="prishtine")
        create_user(
            session=db,
            email=EMAIL,
            password_hash=security.hash_password(PASSWORD, memory_kib=1024),
            assembly="prishtine",
        )
        create_session(
            session=db, assembly="prishtine", title="Seanca", date=date(2024, 5, 1), status="draft"
        )


def _processing(data: Path, media: Path, number: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KUVEND_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "kuvend", "process", str(media)]
    command += ["--out", str(data / f"out-{number}"), "--assembly", "prishtine"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class _Processing:
    """Two ``kuvend process`` commands kept running: one that ends is started again."""

    def __init__(self, data: Path, media: Path) -> None:
        self._data, self._media = data, media
        self._commands = [_processing(data, media, number) for number in (0, 1)]
        self.started, self.finished, self.failed = 2, 0, 0

    def processing(self, settings: Settings) -> int:
        """How many sessions are being processed now (status in the database)."""
        with session_scope(settings.resolved_database_url) as db:
            query = select(func.count()).where(SessionRow.status == "processing")
            return int(db.scalar(query.select_from(SessionRow)) or 0)

    def keep_two(self) -> None:
        for slot, command in enumerate(self._commands):
            code = command.poll()
            if code is None:
                continue
            self.finished += code == 0
            self.failed += code != 0
            self._commands[slot] = _processing(self._data, self._media, self.started)
            self.started += 1

    def stop(self) -> None:
        for command in self._commands:
            command.send_signal(signal.SIGTERM)
        for command in self._commands:
            command.wait()


def _one(client: TestClient, staff: dict[str, str], number: int) -> Any:
    kind = number % 8
    if kind == 0:
        body = {"title": f"Seanca {number}", "date": "2024-10-01"}
        return client.post("/api/v1/assemblies/prishtine/sessions", json=body, headers=staff)
    if kind == 1:
        body = {"name": f"Anëtari {number}"}
        return client.post("/api/v1/assemblies/prishtine/members", json=body, headers=staff)
    if kind in (2, 3):
        return client.get("/api/v1/sessions", params={"limit": 20}, headers=staff)
    if kind in (4, 5):
        return client.get("/api/v1/search", params={"q": "kuvendi"}, headers=staff)
    return client.get("/api/v1/assemblies/prishtine/members")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--start-timeout", type=float, default=600.0, help="seconds")
    args = parser.parse_args()
    load_before = os.getloadavg()
    wall_start = time.monotonic()

    data = Path(tempfile.mkdtemp(prefix="kuvend-bench-"))
    settings = Settings(_env_file=None, data_dir=data, password_hash_memory_kib=1024)  # type: ignore[call-arg]
    _seed(settings)
    media = synthesize_session(bilingual_dialogue(args.turns), data / "session.wav").path
    index = SqliteFtsIndex(sqlite_index_path(settings))
    app = create_app(settings, index=index, actions=PipelineActions(settings))
    workers = _Processing(data, media)
    latencies: list[float] = []
    failures: list[str] = []
    two_at_once = 0
    lock = threading.Lock()

    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
        staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
        waited = time.monotonic()
        while workers.processing(settings) < 2:  # both past start-up, writing their sessions
            workers.keep_two()
            if time.monotonic() - waited > args.start_timeout:
                workers.stop()
                raise SystemExit("the processing commands did not start in time")
            time.sleep(0.5)
        print(f"both commands processing after {time.monotonic() - waited:.0f} s", flush=True)

        def one(number: int) -> None:
            nonlocal two_at_once
            started = time.perf_counter()
            response = _one(client, staff, number)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status_code >= 500:
                    failures.append(response.text)
                if number % 25 == 0:
                    workers.keep_two()
                    two_at_once += workers.processing(settings) >= 2

        requests_start = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(args.requests)))
        requests_s = time.monotonic() - requests_start
        workers.stop()

    index.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    samples = (args.requests + 24) // 25
    print(f"requests: {len(latencies)} from {args.threads} threads in {requests_s:.0f} s wall")
    print(f"two sessions processing at {two_at_once} of {samples} samples during the requests")
    print(
        f"processing runs: {workers.started} started, {workers.finished} finished, "
        f"{workers.failed} failed, the rest stopped by SIGTERM at the end"
    )
    print(f"5xx answers: {len(failures)}")
    print(f"'database is locked' answers: {sum('locked' in text for text in failures)}")
    print(
        f"latency ms: p50 {statistics.median(ordered) * 1000:.1f}  p95 {p95 * 1000:.1f}  "
        f"max {ordered[-1] * 1000:.1f}"
    )
    print(
        f"CPU-seconds: API and requests {own.ru_utime + own.ru_stime:.1f}, "
        f"processing commands {children.ru_utime + children.ru_stime:.1f}"
    )
    load_after = os.getloadavg()
    print(
        f"wall {time.monotonic() - wall_start:.0f} s; load average before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in load_after)}"
    )


if __name__ == "__main__":
    main()
