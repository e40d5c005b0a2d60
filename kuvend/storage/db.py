"""Database engine, sessions and migrations, for SQLite (embedded) and PostgreSQL (at scale)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kuvend.errors import ConfigError, TransientError

#: The Alembic scripts (``alembic upgrade head`` from here).
MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: Engines kept open at once; a process rarely talks to more than one or two databases.
_MAX_ENGINES = 8
_engines: OrderedDict[str, Engine] = OrderedDict()
_engines_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """The URL SQLAlchemy is given: ``postgres[ql]://`` becomes ``postgresql+psycopg://``."""
    # Operators write postgresql:// (as docker images document it); we speak psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # pysqlite begins transactions lazily and behind SQLAlchemy's back, which breaks SAVEPOINT
    # (the repository relies on it for idempotent saves); SQLAlchemy's documented fix is to
    # turn that off here and emit BEGIN ourselves in _sqlite_begin.
    dbapi_connection.isolation_level = None


#: Execution option that makes a SQLite transaction take the write lock first (BEGIN IMMEDIATE).
WRITE_UNIT = "kuvend_write_unit"


def _sqlite_begin(connection: Any) -> None:
    # A unit of work (session_scope) takes the write lock up front: a deferred transaction that
    # reads, then writes after another connection committed, fails at once with "database is
    # locked" and the busy timeout never applies (a reviewer editing while a session is being
    # processed). Other transactions (an API request's reads) stay deferred, so that a request
    # may call into orchestration that opens its own unit of work without waiting on itself.
    immediate = connection.get_execution_options().get(WRITE_UNIT, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def get_engine(url: str) -> Engine:
    """One engine per database URL per process, the least recently used of more than eight
    disposed of (its pooled connections closed, not left for the garbage collector)."""
    url = normalise_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            _engines.move_to_end(url)
            return engine
        engine = _create_engine(url)
        _engines[url] = engine
        while len(_engines) > _MAX_ENGINES:
            _, oldest = _engines.popitem(last=False)
            oldest.dispose()
        return engine


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            owner_only(path)
        except OSError as error:
            raise ConfigError(f"cannot create the database folder {path.parent}: {error}") from None
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def owner_only(path: Path) -> None:
    """Make the file ``path`` (created empty if missing) readable by its owner only.

    A database holds password and API-key hashes. SQLite gives its ``-wal`` and ``-shm``
    files the database file's mode, so they follow. A file of another owner is left alone.
    """
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o600)


def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest schema (Alembic ``upgrade head``).

    Raises ``TransientError`` when the database cannot be reached and ``ConfigError`` when it
    was migrated by a Kuvend newer than this one (a revision this copy does not know).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = get_engine(url)
    try:
        command.upgrade(config, "head")
    except OperationalError as error:
        raise TransientError(f"cannot reach the database: {error.orig}") from error
    except CommandError as error:
        raise ConfigError(
            f"the database {get_engine(url).url!r} has a schema this Kuvend does not know "
            f"({error}): run the Kuvend that made it, or point KUVEND_DATA_DIR or "
            "KUVEND_DATABASE_URL at another database"
        ) from error


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: a database session that commits on success and rolls back on error.

    On SQLite it holds the write lock from its first statement (see ``_sqlite_begin``), so units
    of work in other threads and processes wait for each other instead of failing.
    """
    engine = get_engine(url).execution_options(**{WRITE_UNIT: True})
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
