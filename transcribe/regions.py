"""Speech regions (Silero VAD) and the decode units built from them.

A region is a stretch of speech between pauses; it gets one language. Neighbouring regions of
one language are decoded together (Whisper reads better with context) as long as the unit
fits one 30 s Whisper window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from faster_whisper.vad import VadOptions, get_speech_timestamps

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.types import LanguageCode
from transcribe.audio import Samples
from transcribe.options import TranscribeOptions

#: One Whisper window.
WINDOW_S = 30.0


@dataclass(frozen=True, slots=True)
class Region:
    """Speech from ``start_s`` to ``end_s`` (seconds from the start of the audio)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Unit:
    """Regions of one language decoded together: one Whisper window."""

    start_s: float
    end_s: float
    language: LanguageCode
    language_probability: float


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


def group_into_units(
    decided: Iterable[tuple[Region, LanguageCode, float]], options: TranscribeOptions
) -> Iterator[Unit]:
    """Join consecutive regions of one language, close together, into windows ≤ 30 s."""
    current: Unit | None = None
    weight = 0.0
    for region, language, probability in decided:
        if (
            current is not None
            and language == current.language
            and region.start_s - current.end_s <= options.merge_gap_s
            and region.end_s - current.start_s <= WINDOW_S - 1.0
        ):
            total = weight + region.duration_s
            mean = (current.language_probability * weight + probability * region.duration_s) / total
            current = Unit(current.start_s, region.end_s, language, mean)
            weight = total
            continue
        if current is not None:
            yield current
        current = Unit(region.start_s, region.end_s, language, probability)
        weight = region.duration_s
    if current is not None:
        yield current
