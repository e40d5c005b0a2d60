"""Integrity checks of a CTranslate2 Whisper folder."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: Files faster-whisper reads; without ``tokenizer.json`` it would ask the hub for a tokenizer.
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")

_HASH_BUFFER_BYTES = 4 * 1024 * 1024


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (the weights are hundreds of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BUFFER_BYTES):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _cached_sha256(path: Path, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime: hashing 145 MB once per process is enough, a rewrite re-hashes.
    return sha256_of(path)


def verify_model_dir(
    folder: Path, *, sha256: str | None = None, size_bytes: int | None = None
) -> str | None:
    """Why ``folder`` is not a usable model, or ``None`` when it is.

    Checks that the files faster-whisper needs exist and, when pinned, the size and SHA-256
    of ``model.bin``.
    """
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        return f"missing {', '.join(missing)}"
    weights = folder / "model.bin"
    stat = weights.stat()
    if size_bytes is not None and stat.st_size != size_bytes:
        return f"model.bin has {stat.st_size} bytes, expected {size_bytes}"
    if sha256 is not None and _cached_sha256(weights, stat.st_size, stat.st_mtime_ns) != sha256:
        return "model.bin does not match its pinned sha256"
    return None
