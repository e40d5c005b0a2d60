"""The real Whisper base model, assembled into the shared model cache and loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import resolve_whisper_model
from transcribe import WhisperEngine, load_whisper

MODEL_CACHE_DIR = Path(os.environ.get("KUVEND_TEST_CACHE_DIR", "~/.cache/kuvend")).expanduser()
#: ``../shared/eval`` beside the project, or where KUVEND_EVAL_DIR says (as in bench/).
EVAL_DIR = Path(
    os.environ.get(
        "KUVEND_EVAL_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "eval"
    )
)


@pytest.fixture(scope="session")
def engine() -> WhisperEngine:
    """Whisper base on the CPU, int8, two threads: the embedded default."""
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=MODEL_CACHE_DIR)
    return load_whisper(folder, device="cpu", compute_type="int8", cpu_threads=2)


def eval_path(relative: str) -> Path:
    """A file or folder under ``../shared/eval``; the test is skipped where it is absent."""
    path = EVAL_DIR / relative
    if not path.exists():
        pytest.skip(f"evaluation data {path} is absent (see ../shared/eval/README.md)")
    return path


def report_half(folder: str) -> list[Path]:
    """The clips of ``folder`` (under ``../shared/eval``) at odd positions, sorted by name:
    ``bench/fit_language.py`` fits the language score's weights on the others, so these judge
    them."""
    return sorted(eval_path(folder).glob("*.wav"))[1::2]
