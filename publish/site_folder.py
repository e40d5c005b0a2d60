"""Replacing the public site's contents atomically, under a lock, while a web server reads it.

The site is built into a fresh folder beside the live one (same file system) and then each of
its top-level parts (``index.html``, ``assets/``, one folder per assembly, …) is swapped in:
files by ``rename``, folders by ``renameat2(RENAME_EXCHANGE)`` where Linux offers it (a reader
sees the old folder or the new one, never neither), else by renaming the old one away first.
The live folder itself stays a plain directory (never a symlink), so a server that opened it
before it existed, or a backup, sees ordinary files. Parts the new build lacks are removed.
One build at a time: ``filelock`` serialises publishers in every process on this machine.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
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


def _swap_in(new: Path, live: Path, trash: Path) -> None:
    """Put ``new`` at ``live``; whatever was at ``live`` ends up under ``trash``."""
    if not live.exists():
        new.rename(live)
    elif new.is_dir() and live.is_dir() and exchange(new, live):
        new.rename(trash / live.name)  # ``new`` now holds the old folder
    elif new.is_dir() or live.is_dir():
        live.rename(trash / live.name)
        new.rename(live)
    else:
        new.replace(live)


def replace_contents(build: Path, live: Path) -> None:
    """Move every top-level part of ``build`` into ``live``, then remove parts ``build`` lacked.

    The root pages go last, so that they never link to a folder not yet swapped in.
    """
    stale = [part for part in live.iterdir() if not (build / part.name).exists()]
    trash = Path(tempfile.mkdtemp(prefix=f".{live.name}.old-", dir=live.parent))
    try:
        for part in sorted(build.iterdir(), key=lambda path: path.is_file()):
            _swap_in(part, live / part.name, trash)
        for part in stale:
            log.info("removing %s: no longer published", part)
            part.rename(trash / part.name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def rebuild_into(live: Path, build: Callable[[Path, Path], T]) -> T:
    """Run ``build(new_folder, live)`` into a fresh folder beside ``live``, then swap it in.

    ``build`` may read the live site (the previous build) to reuse what did not change. Holds
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
            replace_contents(new, live)
            return result
        finally:
            shutil.rmtree(new, ignore_errors=True)
