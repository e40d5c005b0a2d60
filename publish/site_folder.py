"""Replacing the public site's contents atomically, under a lock, while a web server reads it.

The site is built into a fresh folder beside the live one (same file system) and then each of
its top-level parts (``index.html``, ``assets/``, one folder per assembly, …) is swapped in:
files by ``rename``, folders by ``renameat2(RENAME_EXCHANGE)`` where Linux offers it (a reader
sees the old folder or the new one, never neither), else by renaming the old one away first.
The live folder itself stays a plain directory (never a symlink), so a server that opened it
before it existed, or a backup, sees ordinary files. Parts the new build lacks are removed,
except those it names as kept: publishing one session rebuilds only that session's folder and
its assembly's indexes, and every other session's folder is left exactly as it is (the
assembly folder is then updated part by part instead of being swapped whole).
One build at a time: ``filelock`` serialises publishers in every process on this machine.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath
from typing import TypeVar

from filelock import FileLock

from kuvend.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")
#: renameat2's flag for exchanging two paths atomically (linux/fs.h).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: Seconds a publisher waits for another one's build before giving up.
LOCK_TIMEOUT_S = 600.0


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


class _Trash:
    """A folder beside the live site that collects what was swapped out, under unique names."""

    def __init__(self, live: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f".{live.name}.old-", dir=live.parent))
        self._count = itertools.count()

    def slot(self, name: str) -> Path:
        """A free path for ``name`` (names repeat across levels: ``index.html``, ``search``)."""
        return self.folder / f"{next(self._count)}-{name}"


def _swap_in(new: Path, live: Path, trash: _Trash) -> None:
    """Put ``new`` at ``live``; whatever was at ``live`` ends up in ``trash``."""
    if not live.exists():
        new.rename(live)
    elif new.is_dir() and live.is_dir() and exchange(new, live):
        new.rename(trash.slot(live.name))  # ``new`` now holds the old folder
    elif new.is_dir() or live.is_dir():
        live.rename(trash.slot(live.name))
        new.rename(live)
    else:
        new.replace(live)


def replace_contents(build: Path, live: Path, keep: Collection[str] = ()) -> None:
    """Move every top-level part of ``build`` into ``live``, then remove parts ``build`` lacked.

    ``keep`` names parts of ``live`` (relative paths such as ``assembly/session``) that the
    build left out on purpose: they stay exactly as they are (same inodes, same times), and a
    folder holding one is updated part by part instead of being swapped whole. The pages of
    each folder go after its sub-folders, so that they never link to a folder not yet swapped in.
    """
    kept = {PurePosixPath(path) for path in keep}
    holding = {parent for path in kept for parent in path.parents if parent.parts}
    trash = _Trash(live)
    try:
        _replace_level(build, live, PurePosixPath(), kept, holding, trash)
    finally:
        shutil.rmtree(trash.folder, ignore_errors=True)


def _replace_level(
    build: Path,
    live: Path,
    here: PurePosixPath,
    kept: set[PurePosixPath],
    holding: set[PurePosixPath],
    trash: _Trash,
) -> None:
    stale = [
        part
        for part in live.iterdir()
        if not (build / part.name).exists() and here / part.name not in kept | holding
    ]
    for part in sorted(build.iterdir(), key=lambda path: path.is_file()):
        target = live / part.name
        if here / part.name in holding and part.is_dir() and target.is_dir():
            _replace_level(part, target, here / part.name, kept, holding, trash)
        else:
            _swap_in(part, target, trash)
    for part in stale:
        log.info("removing %s: no longer published", part)
        part.rename(trash.slot(part.name))


def rebuild_into(
    live: Path,
    build: Callable[[Path, Path], T],
    kept: Callable[[T], Collection[str]] = lambda _: (),
) -> T:
    """Run ``build(new_folder, live)`` into a fresh folder beside ``live``, then swap it in.

    ``build`` may read the live site (the previous build) to decide what did not change;
    ``kept(result)`` names the parts of ``live`` it left out on purpose, which stay as they
    are (see :func:`replace_contents`). Holds
    a lock file beside ``live`` for the whole build, so concurrent publishers take turns.
    Raises ``ConfigError`` when the site's parent folder cannot be written; an exception from
    ``build`` leaves the live site as it was.
    """
    try:
        live.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create the site folder {live}: {error.strerror}") from None
    with FileLock(str(live.parent / f".{live.name}.lock"), timeout=LOCK_TIMEOUT_S):
        new = Path(tempfile.mkdtemp(prefix=f".{live.name}.build-", dir=live.parent))
        try:
            new.chmod(0o755)
            result = build(new, live)
            replace_contents(new, live, kept(result))
            return result
        finally:
            shutil.rmtree(new, ignore_errors=True)
