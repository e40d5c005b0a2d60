"""Loading Whisper once per process, on the device the operator chose.

CPU runs CTranslate2's int8 kernels, CUDA float16; on both, a chunk's windows are encoded and
decoded in batches (``transcribe.windows``, ``transcribe.decode``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import ctranslate2
import faster_whisper

from kuvend.errors import ModelError

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]


@dataclass
class Counters:
    """What the model has done in this process: benchmarks read it."""

    encoder_passes: int = 0
    """Windows through the encoder (a window cut to its audio counts as one)."""
    encoded_s: float = 0.0
    """Seconds of window (audio and its padding) through the encoder: what the passes cost."""


@dataclass(frozen=True)
class WhisperEngine:
    """A loaded Whisper model and how it runs. Shared by every chunk of the process."""

    model: faster_whisper.WhisperModel
    model_dir: Path
    device: str
    compute_type: str
    counters: Counters = field(default_factory=Counters, compare=False)

    @property
    def generator(self) -> str:
        """What made the text, for the minutes' ``generator`` field."""
        return (
            f"faster-whisper {faster_whisper.__version__} {self.model_dir.name} "
            f"({self.device}, {self.compute_type})"
        )


def resolve_device(device: Device) -> str:
    """``auto`` becomes ``cuda`` where CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def default_compute_type(device: str) -> str:
    """int8 on CPU (4× smaller, fast on AVX2), float16 on CUDA."""
    return "float16" if device == "cuda" else "int8"


def load_whisper(
    model_dir: Path,
    *,
    device: Device = "auto",
    compute_type: str = "default",
    cpu_threads: int = 0,
) -> WhisperEngine:
    """The Whisper model in ``model_dir`` (a CTranslate2 folder), loaded once per process.

    ``compute_type="default"`` means int8 on CPU and float16 on CUDA; ``cpu_threads=0`` lets
    CTranslate2 choose. Raises ``ModelError`` when the folder cannot be loaded.
    """
    actual = resolve_device(device)
    kind = default_compute_type(actual) if compute_type == "default" else compute_type
    return _load(model_dir.resolve(), actual, kind, cpu_threads)


@lru_cache(maxsize=2)
def _load(model_dir: Path, device: str, compute_type: str, cpu_threads: int) -> WhisperEngine:
    # Never let huggingface_hub look for a model or tokenizer online (issue 2: closed network).
    os.environ["HF_HUB_OFFLINE"] = "1"
    log.info("loading Whisper from %s on %s (%s)", model_dir, device, compute_type)
    options: dict[str, Any] = {"device": device, "compute_type": compute_type}
    if device == "cpu":
        options["cpu_threads"] = cpu_threads
    try:
        model = faster_whisper.WhisperModel(str(model_dir), local_files_only=True, **options)
    except (RuntimeError, ValueError, OSError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelError(
            f"cannot load Whisper from {model_dir} on {device}/{compute_type}: {first}; "
            "check it with: kuvend models check"
        ) from error
    return WhisperEngine(model, model_dir, device, compute_type)
