"""Mixed API requests on SQLite while two sessions are being processed: lock errors and latency.

Usage::

    .venv/bin/python bench/api_under_load.py [--requests 1000] [--threads 4] [--turns 4]

Two ``kuvend process`` commands (real Whisper base, espeak-ng sessions of ``--turns`` turns)
write into the same SQLite database as the API while ``--requests`` requests are sent from
``--threads`` threads: session lists, searches, members, scheduling a session, adding a member
(a quarter of them writes). Prints how many answers were 5xx, how many of those said "database
is locked", the p50/p95/max latency in milliseconds, the CPU-seconds of this process and of the
two processing commands, and whether both finished.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from kuvend.config import Settings
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.sessions import create_session, ensure_assembly
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="kuvend-bench-"))
    settings = Settings(_env_file=None, data_dir=data, password_hash_memory_kib=1024)  # type: ignore[call-arg]
    _seed(settings)
    media = synthesize_session(bilingual_dialogue(args.turns), data / "session.wav").path
    index = SqliteFtsIndex(sqlite_index_path(settings))
    app = create_app(settings, index=index, actions=PipelineActions(settings))
    workers = [_processing(data, media, number) for number in (1, 2)]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
        staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
        time.sleep(5)  # let both commands reach their sessions' writes

        def one(number: int) -> None:
            kind = number % 8
            started = time.perf_counter()
            if kind == 0:
                body = {"title": f"Seanca {number}", "date": "2024-10-01"}
                response = client.post(
                    "/api/v1/assemblies/prishtine/sessions", json=body, headers=staff
                )
            elif kind == 1:
                body = {"name": f"Anëtari {number}"}
                response = client.post(
                    "/api/v1/assemblies/prishtine/members", json=body, headers=staff
                )
            elif kind in (2, 3):
                response = client.get("/api/v1/sessions", params={"limit": 20}, headers=staff)
            elif kind in (4, 5):
                response = client.get("/api/v1/search", params={"q": "kuvendi"}, headers=staff)
            else:
                response = client.get("/api/v1/assemblies/prishtine/members")
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status_code >= 500:
                    failures.append(response.text)

        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(one, range(args.requests)))
        still_running = sum(worker.poll() is None for worker in workers)

    outcomes = [worker.wait() for worker in workers]
    index.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"requests: {len(latencies)} from {args.threads} threads")
    print(f"processing commands still running when the requests ended: {still_running} of 2")
    print(f"processing exit codes: {outcomes}")
    print(f"5xx answers: {len(failures)}")
    print(f"'database is locked' answers: {sum('locked' in text for text in failures)}")
    print(
        f"latency ms: p50 {statistics.median(ordered) * 1000:.1f}  p95 {p95 * 1000:.1f}  "
        f"max {ordered[-1] * 1000:.1f}"
    )
    print(
        f"CPU-seconds: API and requests {own.ru_utime + own.ru_stime:.1f}, "
        f"two processing commands {children.ru_utime + children.ru_stime:.1f}"
    )


if __name__ == "__main__":
    main()
