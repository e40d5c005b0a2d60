"""Content-addressed media store: a file is kept under its SHA-256, never overwritten.

Uploaded names are never used as paths: only the hash and a whitelisted extension are, so a
name like ``../../etc/passwd.mp4`` cannot place a file anywhere but inside the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kuvend.errors import TransientError

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_READ_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A file in the store: its hash, where it lies, and its size."""

    sha256: str
    path: Path
    size_bytes: int


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's content, read in blocks (memory stays flat for a 6-hour recording)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def safe_suffix(name: str) -> str:
    """The extension of an uploaded ``name`` if it is plain (``.mp4``), else ``.bin``."""
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    return suffix if _SAFE_SUFFIX.match(suffix) else ".bin"


class MediaStore:
    """Files under ``root/<hh>/<sha256><suffix>``; adding the same content twice is a no-op."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, suffix: str) -> Path:
        """Where content with this hash is (or would be) kept."""
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def add_file(
        self, source: Path, original_name: str | None = None, *, sha256: str | None = None
    ) -> StoredMedia:
        """Copy ``source`` into the store (atomically) and return where it is kept.

        ``sha256`` saves reading the file once more when the caller has just hashed it.
        """
        sha256 = sha256 or sha256_of(source)
        target = self.path_for(sha256, safe_suffix(original_name or source.name))
        size = source.stat().st_size
        if target.exists():
            return StoredMedia(sha256, target, size)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                temporary = Path(handle.name)
            shutil.copyfile(source, temporary)
            # link() fails if another writer got there first; the content is the same either way.
            try:
                os.link(temporary, target)
            except FileExistsError:
                pass
            finally:
                temporary.unlink(missing_ok=True)
        except OSError as error:
            raise TransientError(f"cannot write to the media store {self.root}: {error}") from error
        return StoredMedia(sha256, target, size)
