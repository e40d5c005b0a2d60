"""Speech regions with Silero VAD v6, from faster-whisper's bundled ONNX weights.

The same model transcription uses (``faster_whisper.vad``), run on onnxruntime: the embedded
diarizer needs no torch. Only the options differ: diarization keeps shorter pauses and less
padding, since a turn boundary may fall in a short pause.
"""

from __future__ import annotations

from faster_whisper.vad import VadOptions, get_speech_timestamps

from diarize.audio import Waveform
from diarize.options import DiarizeOptions
from kuvend.domain import SAMPLE_RATE_HZ


def speech_regions(samples: Waveform, options: DiarizeOptions) -> list[tuple[float, float]]:
    """Speech as (start_s, end_s) pairs relative to the start of ``samples``."""
    if len(samples) < SAMPLE_RATE_HZ // 10:
        return []
    vad = VadOptions(
        threshold=options.vad_threshold,
        min_speech_duration_ms=int(options.vad_min_speech_s * 1000),
        min_silence_duration_ms=int(options.vad_min_silence_s * 1000),
        speech_pad_ms=int(options.vad_pad_s * 1000),
    )
    stamps = get_speech_timestamps(samples, vad, sampling_rate=SAMPLE_RATE_HZ)
    return [(stamp["start"] / SAMPLE_RATE_HZ, stamp["end"] / SAMPLE_RATE_HZ) for stamp in stamps]
