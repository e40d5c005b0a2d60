"""Speech regions (Silero VAD): stretches of speech between pauses, packed into windows later."""

from __future__ import annotations

from dataclasses import dataclass

from faster_whisper.vad import VadOptions, get_speech_timestamps

from kuvend.domain import SAMPLE_RATE_HZ
from transcribe.audio import Samples
from transcribe.options import TranscribeOptions


@dataclass(frozen=True, slots=True)
class Region:
    """Speech from ``start_s`` to ``end_s`` (seconds from the start of the audio)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


def speech_regions(samples: Samples, options: TranscribeOptions) -> list[Region]:
    """Where ``samples`` hold speech, according to Silero VAD; nothing for silence."""
    if len(samples) == 0:
        return []
    vad = VadOptions(
        threshold=options.vad_threshold,
        min_silence_duration_ms=options.vad_min_silence_ms,
        speech_pad_ms=options.vad_speech_pad_ms,
        max_speech_duration_s=options.max_region_s,
        min_speech_duration_ms=250,
    )
    return [
        Region(span["start"] / SAMPLE_RATE_HZ, span["end"] / SAMPLE_RATE_HZ)
        for span in get_speech_timestamps(samples, vad, sampling_rate=SAMPLE_RATE_HZ)
    ]
