"""Fixtures shared by the whole suite: databases, settings and Redis.

* ``database_url``: an empty, migrated database, once on SQLite (a file in the test's tmp folder)
  and once on PostgreSQL (127.0.0.1:5432). The PostgreSQL database is created fresh for the test
  run, migrated once with ``kuvend.storage.db.migrate``, emptied before every test and dropped
  at the end. Where PostgreSQL cannot be reached the PostgreSQL case is skipped, saying why.
* ``settings``: ``Settings`` with data in the test's tmp folder and SQLite, but the model cache
  in a stable folder (``~/.cache/kuvend``) so that the Whisper model is assembled once per
  machine, not once per test. The same values are exported as ``KUVEND_*`` variables for code
  that calls ``get_settings()`` and for subprocesses (the CLI, Celery workers).
  A test wanting both databases combines them:
  ``settings.model_copy(update={"database_url": database_url})``.
* ``postgres_url``: the PostgreSQL case alone, for tests of the services at scale.
* ``redis_url``: a Redis database of its own on 127.0.0.1:6379, flushed before and after.

Whisper decodes with ctranslate2's AVX kernels and Intel MKL's matrix products on MKL's AVX
code path (``CT2_FORCE_CPU_ISA``, ``CT2_USE_MKL``, ``MKL_CBWR``, set before ctranslate2 loads,
inherited by subprocesses): its int8 products differ between the AVX, AVX2 and AVX-512
kernels, and between MKL, which ctranslate2 uses by default only on Intel CPUs, and oneDNN,
its default on AMD's (ctranslate2's documentation, "Environment variables" and "Hardware
support"; MKL_CBWR is MKL's conditional numerical reproducibility setting). The
hardest cases (a switch of language without a pause, a short espeak-ng Serbian turn) decode
differently with them, so a test's outcome would depend on the machine's CPU: on an AMD EPYC
without MKL, Whisper base heard test_bilingual's Serbian councillor as Albanian. Every x86-64
CPU the suite runs on has AVX. An operator's setting of any of them is kept.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import text

from kuvend.config import Settings, get_settings

os.environ.setdefault("CT2_FORCE_CPU_ISA", "AVX")
os.environ.setdefault("CT2_USE_MKL", "1")
os.environ.setdefault("MKL_CBWR", "AVX")
from kuvend.storage.db import get_engine, migrate
from kuvend.storage.tables import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "KUVEND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_SERVER_URL = os.environ.get("KUVEND_TEST_REDIS_URL", "redis://127.0.0.1:6379")
MODEL_CACHE_DIR = Path(os.environ.get("KUVEND_TEST_CACHE_DIR", "~/.cache/kuvend")).expanduser()

# Redis databases 8..15 are for tests; a lock key in database 0 keeps two concurrent test runs
# on this shared machine from flushing each other's database.
_REDIS_TEST_DBS = range(8, 16)
_REDIS_LOCK_SECONDS = 3600


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test gets a copy (migrating takes 0.2 s)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "kuvend.db"
    url = f"sqlite:///{path}"
    migrate(url)
    get_engine(url).dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {first_line}")
    name = f"kuvend_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(POSTGRES_ADMIN_URL, name)
    try:
        migrate(url)
        yield url
    finally:
        get_engine(url).dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _empty_postgres(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with get_engine(url).begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty, migrated database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "kuvend.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        get_engine(url).dispose()
    else:
        url = request.getfixturevalue("_postgres_database")
        _empty_postgres(url)
        yield url
        # Workers in subprocesses may still hold connections; the next test empties it anyway.


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """URL of an empty, migrated PostgreSQL database (for tests of the services at scale)."""
    _empty_postgres(_postgres_database)
    return _postgres_database


@pytest.fixture(autouse=True)
def _no_test_writes_the_users_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A test that runs a command with the default settings gets a data folder of the test
    run, never the developer's own (``~/.local/share/kuvend``, its database and site)."""
    if "KUVEND_DATA_DIR" not in os.environ:
        monkeypatch.setenv("KUVEND_DATA_DIR", str(tmp_path_factory.getbasetemp() / "default-data"))
        get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings over tmp folders and SQLite, with the shared model cache; also in the env."""
    data_dir = tmp_path / "kuvend-data"
    data_dir.mkdir()
    MODEL_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    values = {
        "KUVEND_DATA_DIR": str(data_dir),
        "KUVEND_CACHE_DIR": str(MODEL_CACHE_DIR),
        "KUVEND_SEARCH_BACKEND": "sqlite",
        "KUVEND_ENVIRONMENT": "development",
        # The streaming caption pass keeps a 2-core machine busy while a recorder runs; tests
        # of recording turn it on where they test it (tests/transcribe/test_streaming.py drives
        # the decoder itself).
        "KUVEND_LIVE_CAPTIONS": "false",
    }
    # Nothing from the developer's environment leaks in (KUVEND_TEST_* only steer fixtures);
    # unset rather than empty, as an empty path variable would read as the current folder.
    for key in [k for k in os.environ if k.startswith("KUVEND_")]:
        if not key.startswith("KUVEND_TEST_"):
            monkeypatch.delenv(key)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield Settings(_env_file=None)
    get_settings.cache_clear()


def _claim_redis_db(server: redis.Redis) -> int:
    owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    for number in _REDIS_TEST_DBS:
        if server.set(f"kuvend:test-db:{number}", owner, nx=True, ex=_REDIS_LOCK_SECONDS):
            return number
    pytest.fail(f"all Redis test databases {list(_REDIS_TEST_DBS)} are in use by other runs")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """URL of a Redis database used by this test alone, flushed before and after."""
    server = redis.Redis.from_url(f"{REDIS_SERVER_URL}/0", socket_connect_timeout=3)
    try:
        server.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis at {REDIS_SERVER_URL} is unreachable: {error}")
    number = _claim_redis_db(server)
    own = redis.Redis.from_url(f"{REDIS_SERVER_URL}/{number}")
    own.flushdb()
    try:
        yield f"{REDIS_SERVER_URL}/{number}"
    finally:
        own.flushdb()
        own.close()
        server.delete(f"kuvend:test-db:{number}")
        server.close()
