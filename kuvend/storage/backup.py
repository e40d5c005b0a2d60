"""Backup and restore of the whole record: database, original media, published site, sessions.

A backup is a folder::

    manifest.json          format, Kuvend version, database kind and schema revision, where
                           the data lay, and every file below with its size and SHA-256
    database.sqlite3       SQLite's online backup (or database.pgdump: pg_dump's custom format)
    media/                 the content-addressed media store (original recordings, materials)
    site/                  the published site as served (pages, exports of every version, audio)
    sessions/              each session's working folder (player audio, drafts, live captions);
                           a file session's chunks are left out (cut again from its original)
    secret.key             the key signing login tokens, when Kuvend generated one

It is written beside the destination and renamed into place when complete, so a backup that
exists is whole. Restoring reads and checks every file against the manifest before writing
anything, refuses a data folder, media or site folder or database that already holds
something, and on any failure removes what it wrote. The search index is not in a backup: the
caller rebuilds it from the restored database (``workers.backup``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

import kuvend
from kuvend.config import Settings
from kuvend.errors import BackupError
from kuvend.progress import StepProgress
from kuvend.storage import dump
from kuvend.storage.db import migrate, owner_only, session_scope
from kuvend.storage.recovery import sessions_root
from kuvend.storage.tables import ChunkRow, SessionRow
from kuvend.types import StageHook, no_hook

MANIFEST = "manifest.json"
FORMAT = "kuvend-backup"
FORMAT_VERSION = 1
_SECRET_KEY = "secret.key"
_CHUNKS = "chunks"
_BLOCK = 1024 * 1024
_MIB = 1024 * 1024


class BackupFile(BaseModel):
    """One file of a backup: its path inside the backup (``/``-separated), bytes, SHA-256."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    size: int
    sha256: str


class Manifest(BaseModel):
    """``manifest.json``: what a backup holds and where the data came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: str
    format_version: int
    created_at: datetime
    kuvend_version: str
    database_kind: str
    database_file: str
    schema_revision: str | None
    data_dir: str
    media_dir: str
    files: list[BackupFile]


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup or restore copied: the folder, files and bytes (database included)."""

    folder: Path
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class _Source:
    archive_path: str
    path: Path


def back_up(settings: Settings, destination: Path, *, hook: StageHook = no_hook) -> BackupSummary:
    """Back up the whole record into ``destination`` (created; an existing one must be empty).

    ``hook`` gets ``StepProgress("backup", MiB done, MiB total)``. Raises ``BackupError`` when
    ``destination`` holds files, ``TransientError`` when the database cannot be read.
    """
    destination = destination.expanduser().absolute()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} already exists and is not an empty folder")
    url = settings.resolved_database_url
    kind = dump.database_kind(url)
    migrate(url)
    database_file = "database.sqlite3" if kind == "sqlite" else "database.pgdump"
    staging = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        staging.chmod(0o700)  # the database, the signing key: for the operator's eyes only
        revision = dump.schema_revision(url)
        dump.dump(url, staging / database_file, _stage_hook(hook, "database"))
        sources = list(_sources(settings))
        total = sum(source.path.stat().st_size for source in sources)
        copied = _Copied(hook, "backup", total)
        files = [_checked(staging / database_file, database_file)]
        for source in sources:
            digest = _copy(source.path, staging / source.archive_path, copied)
            size = copied.file_bytes
            files.append(BackupFile(path=source.archive_path, size=size, sha256=digest))
        manifest = Manifest(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            created_at=datetime.now(UTC),
            kuvend_version=kuvend.__version__,
            database_kind=kind,
            database_file=database_file,
            schema_revision=revision,
            data_dir=str(settings.data_dir.absolute()),
            media_dir=str(settings.resolved_media_dir.absolute()),
            files=files,
        )
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BackupSummary(destination, len(files), sum(entry.size for entry in files))


def restore(settings: Settings, source: Path, *, hook: StageHook = no_hook) -> BackupSummary:
    """Restore the backup in ``source`` into the empty data folder (and database) of ``settings``.

    Every file is checked against the manifest first; the database is brought up to this
    Kuvend's schema afterwards. Raises ``BackupError`` (nothing written) for a damaged or
    incomplete backup, one from a newer Kuvend, or a target that is not empty.
    """
    source = source.expanduser().absolute()
    manifest = read_manifest(source)
    dump.require_known_revision(manifest.schema_revision)
    url = settings.resolved_database_url
    if dump.database_kind(url) != manifest.database_kind:
        raise BackupError(
            f"the backup holds a {manifest.database_kind} database but KUVEND_DATABASE_URL "
            f"names a {dump.database_kind(url)} one; nothing was restored"
        )
    _require_empty_target(settings)
    verify(source, manifest, hook=hook)
    created: list[Path] = []
    try:
        database = source / manifest.database_file
        if manifest.database_kind == "sqlite":
            created.append(dump.sqlite_path(url))
        dump.load(url, database, _stage_hook(hook, "database"))
        _restore_files(settings, source, manifest, hook, created)
        migrate(url)
        _relocate_paths(settings, manifest)
    except BaseException:
        _undo(settings, created)
        raise
    return BackupSummary(source, len(manifest.files), sum(entry.size for entry in manifest.files))


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup in ``source``; ``BackupError`` when missing or unreadable."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a Kuvend backup: it has no {MANIFEST}")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except (ValidationError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0]
        raise BackupError(
            f"the backup's {MANIFEST} is damaged ({first}); nothing was restored"
        ) from None
    if manifest.format != FORMAT or manifest.format_version != FORMAT_VERSION:
        raise BackupError(
            f"{source} is a backup of format {manifest.format} {manifest.format_version}, "
            f"this Kuvend reads {FORMAT} {FORMAT_VERSION}; nothing was restored"
        )
    listed = {entry.path for entry in manifest.files}
    if manifest.database_file not in listed:
        raise BackupError(f"the backup's {MANIFEST} lists no database file; nothing was restored")
    for entry in manifest.files:
        if not _inside(entry.path):
            raise BackupError(f"the backup's {MANIFEST} names a file outside it: {entry.path!r}")
    return manifest


def verify(source: Path, manifest: Manifest, *, hook: StageHook = no_hook) -> None:
    """Check every file of the backup against its size and SHA-256 in the manifest.

    Raises ``BackupError`` naming the first missing, truncated or altered file.
    """
    checked = _Copied(hook, "verify", sum(entry.size for entry in manifest.files))
    for entry in manifest.files:
        path = source / entry.path
        if not path.is_file():
            raise BackupError(
                f"the backup is incomplete: {entry.path} is missing; nothing was restored"
            )
        size = path.stat().st_size
        if size != entry.size:
            raise BackupError(
                f"the backup is damaged: {entry.path} has {size} bytes, the manifest says "
                f"{entry.size}; nothing was restored"
            )
        if _hash(path, checked) != entry.sha256:
            raise BackupError(
                f"the backup is damaged: {entry.path} does not match its SHA-256; nothing was "
                "restored"
            )


def _sources(settings: Settings) -> Iterator[_Source]:
    yield from _tree(settings.resolved_media_dir, "media")
    yield from _tree(settings.resolved_site_dir, "site")
    with session_scope(settings.resolved_database_url) as db:
        # A file session's chunks are cut again from its original; a live one's are all it has.
        with_original = select(SessionRow.id).where(SessionRow.media_path.is_not(None))
        from_files = set(db.scalars(with_original))
    sessions = sessions_root(settings)
    for folder in sorted(sessions.iterdir()) if sessions.is_dir() else ():
        for item in _tree(folder, f"sessions/{folder.name}"):
            if folder.name in from_files and item.archive_path.startswith(
                f"sessions/{folder.name}/{_CHUNKS}/"
            ):
                continue
            yield item
    secret = settings.data_dir / _SECRET_KEY
    if secret.is_file():
        yield _Source(_SECRET_KEY, secret)


def _tree(root: Path, prefix: str) -> Iterator[_Source]:
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file():
                yield _Source(f"{prefix}/{path.relative_to(root).as_posix()}", path)


def _target_of(settings: Settings, archive_path: str) -> Path:
    top, _, rest = archive_path.partition("/")
    if top == "media":
        return settings.resolved_media_dir / rest
    if top == "site":
        return settings.resolved_site_dir / rest
    return settings.data_dir / archive_path


def _require_empty_target(settings: Settings) -> None:
    folders = {settings.data_dir, settings.resolved_media_dir, settings.resolved_site_dir}
    for folder in sorted(folders):
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise BackupError(
                f"{folder} is not empty: restore only into an empty data folder (set "
                "KUVEND_DATA_DIR to a new one); nothing was restored"
            )
    url = settings.resolved_database_url
    if dump.database_kind(url) == "sqlite":
        if dump.sqlite_path(url).exists():
            raise BackupError(f"the database {dump.sqlite_path(url)} exists; nothing was restored")
    elif dump.holds_records(url):
        raise BackupError(
            f"the database {dump.display_url(url)} already holds a record: restore into an "
            "empty database; nothing was restored"
        )


def _restore_files(
    settings: Settings, source: Path, manifest: Manifest, hook: StageHook, created: list[Path]
) -> None:
    entries = [entry for entry in manifest.files if entry.path != manifest.database_file]
    copied = _Copied(hook, "restore", sum(entry.size for entry in entries))
    created.extend({settings.resolved_media_dir, settings.resolved_site_dir, settings.data_dir})
    for entry in entries:
        target = _target_of(settings, entry.path)
        if _copy(source / entry.path, target, copied) != entry.sha256:
            raise BackupError(
                f"{entry.path} changed while it was being restored; nothing was restored"
            )
        if entry.path == _SECRET_KEY:
            owner_only(target)


def _relocate_paths(settings: Settings, manifest: Manifest) -> None:
    # Stored paths name the folders the backup was made from; point them at the new ones.
    moves = [
        (manifest.media_dir, str(settings.resolved_media_dir.absolute())),
        (manifest.data_dir, str(settings.data_dir.absolute())),
    ]

    def moved(path: str | None) -> str | None:
        for old, new in moves:
            if path is not None and path.startswith(old.rstrip("/") + "/"):
                return new.rstrip("/") + path[len(old.rstrip("/")) :]
        return path

    with session_scope(settings.resolved_database_url) as db:
        for row in db.scalars(select(SessionRow).where(SessionRow.media_path.is_not(None))):
            row.media_path = moved(row.media_path)
        for chunk in db.scalars(select(ChunkRow)):
            chunk.path = moved(chunk.path) or chunk.path


def _undo(settings: Settings, created: list[Path]) -> None:
    for path in created:
        if path.is_dir():
            for child in path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            path.unlink(missing_ok=True)
    url = settings.resolved_database_url
    if dump.database_kind(url) == "postgresql":
        dump.empty(url)


def _inside(archive_path: str) -> bool:
    parts = archive_path.split("/")
    return bool(archive_path) and not archive_path.startswith("/") and ".." not in parts


class _Copied:
    """Bytes done of a total, reported to a hook in MiB at most once per MiB."""

    def __init__(self, hook: StageHook, stage: str, total: int) -> None:
        self.hook, self.stage, self.total = hook, stage, total
        self.done = self.file_bytes = 0
        self._reported = -_MIB

    def add(self, count: int) -> None:
        self.done += count
        self.file_bytes += count
        if self.done - self._reported >= _MIB or self.done == self.total:
            self._reported = self.done
            detail = f"{self.done / _MIB:.1f} of {self.total / _MIB:.1f} MiB"
            self.hook(self.stage, StepProgress(self.stage, self.done, self.total, detail))


def _stage_hook(hook: StageHook, stage: str) -> dump.CopyProgress:
    return lambda done, total: hook(stage, StepProgress(stage, done, total, "pages"))


def _copy(source: Path, target: Path, copied: _Copied) -> str:
    """Copy a file (through a temporary name beside ``target``) and return its SHA-256."""
    copied.file_bytes = 0
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with source.open("rb") as reader, partial.open("wb") as writer:
        while block := reader.read(_BLOCK):
            digest.update(block)
            writer.write(block)
            copied.add(len(block))
    shutil.copystat(source, partial)
    partial.replace(target)
    return digest.hexdigest()


def _hash(path: Path, checked: _Copied) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while block := reader.read(_BLOCK):
            digest.update(block)
            checked.add(len(block))
    return digest.hexdigest()


def _checked(path: Path, archive_path: str) -> BackupFile:
    return BackupFile(
        path=archive_path, size=path.stat().st_size, sha256=_hash(path, _Copied(no_hook, "", 0))
    )
