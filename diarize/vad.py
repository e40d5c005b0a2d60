"""Speech regions with Silero VAD (the ``silero-vad`` package's bundled weights)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch

from diarize.audio import Waveform
from diarize.options import DiarizeOptions
from kuvend.domain import SAMPLE_RATE_HZ


@lru_cache(maxsize=1)
def _vad_model() -> Any:
    # The ONNX build: same weights as the TorchScript one, whose loader torch now deprecates.
    from silero_vad import load_silero_vad

    return load_silero_vad(onnx=True)


def speech_regions(samples: Waveform, options: DiarizeOptions) -> list[tuple[float, float]]:
    """Speech as (start_s, end_s) pairs relative to the start of ``samples``."""
    from silero_vad import get_speech_timestamps

    if len(samples) < SAMPLE_RATE_HZ // 10:
        return []
    with torch.no_grad():
        stamps = get_speech_timestamps(
            torch.from_numpy(samples),
            _vad_model(),
            threshold=options.vad_threshold,
            sampling_rate=SAMPLE_RATE_HZ,
            min_speech_duration_ms=int(options.vad_min_speech_s * 1000),
            min_silence_duration_ms=int(options.vad_min_silence_s * 1000),
            speech_pad_ms=int(options.vad_pad_s * 1000),
        )
    # The model keeps state between calls on the same object; clear it for the next chunk.
    _vad_model().reset_states()
    return [(stamp["start"] / SAMPLE_RATE_HZ, stamp["end"] / SAMPLE_RATE_HZ) for stamp in stamps]
