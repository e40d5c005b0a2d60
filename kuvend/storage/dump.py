"""The database as one file and back: SQLite's online backup API, ``pg_dump``/``pg_restore``.

Used by :mod:`kuvend.storage.backup`. SQLite is copied page by page while other connections
keep reading and writing (``sqlite3.Connection.backup``); PostgreSQL is dumped in
``pg_dump``'s custom format, without owners or privileges so that it restores under any role.
The PostgreSQL password goes to the client tools through ``PGPASSWORD``, never on their
command line, and no message here names it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, func, inspect, make_url, select, text

from kuvend.errors import BackupError, ConfigError, TransientError
from kuvend.storage.db import MIGRATIONS_DIR, get_engine, normalise_url, owner_only
from kuvend.storage.tables import Base

#: ``(done, total)`` pages or bytes of a copy in progress.
CopyProgress = Callable[[int, int], None]

_PAGES_PER_STEP = 2048


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``; another database raises ``ConfigError``."""
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"backup supports SQLite and PostgreSQL databases, not {backend}")
    return backend


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL."""
    database = make_url(normalise_url(url)).database
    if not database:
        raise ConfigError("backup needs a SQLite database in a file, not in memory")
    return Path(database)


def display_url(url: str) -> str:
    """The URL as it may be shown: the password hidden."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database is at (``None`` before the first migration)."""
    engine = get_engine(url)
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def require_known_revision(revision: str | None) -> None:
    """Refuse a backup made by a Kuvend whose schema this one does not know."""
    if revision is None:
        raise BackupError("the backup's database has no schema revision: it is not Kuvend's")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        known = ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"the backup was made by a newer Kuvend (schema revision {revision}): restore it "
            "with that version, nothing was restored"
        )


def holds_records(url: str) -> bool:
    """True when any of Kuvend's tables in the database has a row."""
    engine = get_engine(url)
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            counted = select(func.count()).select_from(table)
            if table.name in existing and connection.execute(counted).scalar():
                return True
    return False


def empty(url: str) -> None:
    """Delete every row of Kuvend's tables (undoing a restore that failed half-way)."""
    engine = get_engine(url)
    existing = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing:
                connection.execute(table.delete())


def dump(url: str, target: Path, progress: CopyProgress) -> None:
    """Write the whole database at ``url`` into the new file ``target``.

    Raises ``TransientError`` when the database cannot be read, ``ConfigError`` when
    ``pg_dump`` is missing.
    """
    if database_kind(url) == "sqlite":
        _sqlite_backup(sqlite_path(url), target, progress)
    else:
        owner_only(target)  # pg_dump keeps the mode of the file it writes into
        _run_pg("pg_dump", url, ["--format=custom", "--no-owner", "--no-privileges"], target)


def load(url: str, source: Path, progress: CopyProgress) -> None:
    """Restore the file ``source`` made by :func:`dump` into the database at ``url``.

    SQLite: ``url``'s file must not exist yet. PostgreSQL: the database must hold no record
    (its empty Kuvend tables, if any, are replaced in one transaction).
    """
    if database_kind(url) == "sqlite":
        _sqlite_backup(source, sqlite_path(url), progress)
        return
    get_engine(url).dispose()  # pooled connections would keep their view of dropped tables
    _run_pg(
        "pg_restore",
        url,
        ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"],
        source,
    )


def _sqlite_backup(source: Path, target: Path, progress: CopyProgress) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    owner_only(partial)  # SQLite takes an empty file as an empty database
    try:
        with sqlite3.connect(source, timeout=30) as reader, sqlite3.connect(partial) as writer:
            reader.backup(
                writer,
                pages=_PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            # One self-contained file: no -wal beside it to lose on the way.
            writer.execute("PRAGMA journal_mode=DELETE")
        writer.close()
        reader.close()
        partial.replace(target)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise TransientError(f"cannot copy the SQLite database {source}: {error}") from error


def _libpq_target(url: str) -> tuple[str, dict[str, str]]:
    # A keyword/value connection string without the password, which goes in the environment.
    parsed: URL = make_url(normalise_url(url))
    parts = {
        "host": parsed.host,
        "port": None if parsed.port is None else str(parsed.port),
        "user": parsed.username,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]
    words = [f"{key}='{value}'" for key, value in parts.items() if value]
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    return " ".join(words), environment


def _run_pg(tool: str, url: str, options: list[str], file: Path) -> None:
    program = shutil.which(tool)
    if program is None:
        raise ConfigError(
            f"{tool} was not found: install the PostgreSQL client tools of the server's version "
            "(Debian: apt install postgresql-client)"
        )
    target, environment = _libpq_target(url)
    if tool == "pg_dump":
        arguments = [program, *options, f"--file={file}", f"--dbname={target}"]
    else:
        arguments = [program, *options, "--exit-on-error", f"--dbname={target}", str(file)]
    completed = subprocess.run(
        arguments, env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        reason = " ".join(completed.stderr.split())[:500] or f"exit status {completed.returncode}"
        raise TransientError(f"{tool} failed on {display_url(url)}: {reason}")
