"""Decoding units with their language forced, sequentially on CPU or batched on CUDA.

Each unit is one Whisper window decoded on its own: no conditioning on the previous text,
which is what lets a hallucination or a loop spread from one window to the next.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kuvend.types import LanguageCode
from transcribe.audio import ChunkAudio
from transcribe.engine import WhisperEngine
from transcribe.options import TranscribeOptions
from transcribe.regions import Unit
from transcribe.vocabulary import hints


@dataclass(frozen=True, slots=True)
class RawWord:
    """A word as Whisper wrote it (leading space included), on the session clock."""

    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Piece:
    """One Whisper segment on the session clock, with the signals the guards read."""

    start_s: float
    end_s: float
    text: str
    words: tuple[RawWord, ...]
    language: LanguageCode
    language_probability: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float


def decode_units(
    engine: WhisperEngine,
    audio: ChunkAudio,
    units: Sequence[Unit],
    options: TranscribeOptions,
) -> Iterator[Piece]:
    """Whisper's segments for every unit, in time order."""
    if engine.batched is not None:
        yield from _decode_batched(engine, audio, units, options)
        return
    for unit in units:
        yield from decode_unit(engine, audio, unit, options)


def decode_unit(
    engine: WhisperEngine,
    audio: ChunkAudio,
    unit: Unit,
    options: TranscribeOptions,
    *,
    retry: bool = False,
) -> Iterator[Piece]:
    """Whisper's segments for one unit, decoded on its own.

    ``retry`` decodes again after a loop: sampling from the first non-zero temperature and
    without the vocabulary hints, which can themselves start a loop. With a single temperature
    configured (``0``: reproducible text) the retry drops only the hints and does not sample.
    """
    temperatures = options.temperatures[1:] if retry else options.temperatures
    segments, _ = engine.model.transcribe(
        audio.between(unit.start_s, unit.end_s),
        language=unit.language,
        **_common(options, unit.language, hinted=not retry),
        temperature=list(temperatures or options.temperatures or (1.0,)),
        condition_on_previous_text=False,
        vad_filter=False,
        without_timestamps=False,
    )
    yield from _pieces(segments, unit, audio.start_s + unit.start_s)


def _decode_batched(
    engine: WhisperEngine,
    audio: ChunkAudio,
    units: Sequence[Unit],
    options: TranscribeOptions,
) -> Iterator[Piece]:
    assert engine.batched is not None
    streams: list[Iterable[Piece]] = []
    for language in dict.fromkeys(unit.language for unit in units):
        mine = [unit for unit in units if unit.language == language]
        segments, _ = engine.batched.transcribe(
            audio.samples,
            language=language,
            **_common(options, language, hinted=True),
            temperature=options.temperatures[0],
            clip_timestamps=[{"start": unit.start_s, "end": unit.end_s} for unit in mine],
            batch_size=options.batch_size,
        )
        # Clip times are relative to the whole audio; each segment belongs to the clip it lies in.
        streams.append(list(_place_batched(segments, mine, audio.start_s)))
    yield from heapq.merge(*streams, key=lambda piece: piece.start_s)


def _common(options: TranscribeOptions, language: LanguageCode, *, hinted: bool) -> dict[str, Any]:
    prompt, hotwords = hints(options, language) if hinted else (None, None)
    return {
        "beam_size": options.beam_size,
        "word_timestamps": True,
        "initial_prompt": prompt,
        "hotwords": hotwords,
        # Fall back to sampling only for loops. A low log-probability after VAD means hard speech,
        # not silence, and sampling through six temperatures rarely beats the best beam there
        # while costing up to six decodes; the no-speech rule is applied by the guards instead.
        "compression_ratio_threshold": options.compression_ratio_threshold,
        "log_prob_threshold": None,
        "no_speech_threshold": None,
    }


def _place_batched(
    segments: Iterable[Any], units: Sequence[Unit], origin_s: float
) -> Iterator[Piece]:
    for segment in segments:
        unit = next((u for u in units if u.start_s - 0.5 <= segment.start <= u.end_s), units[-1])
        yield from _pieces([segment], unit, origin_s)


def _pieces(segments: Iterable[Any], unit: Unit, offset_s: float) -> Iterator[Piece]:
    for segment in segments:
        words = tuple(
            RawWord(
                float(offset_s + w.start), float(offset_s + w.end), w.word, float(w.probability)
            )
            for w in segment.words or ()
        )
        if not words:
            continue
        yield Piece(
            start_s=words[0].start_s,
            end_s=words[-1].end_s,
            text=segment.text.strip(),
            words=words,
            language=unit.language,
            language_probability=unit.language_probability,
            avg_logprob=float(segment.avg_logprob),
            no_speech_prob=float(segment.no_speech_prob),
            compression_ratio=float(segment.compression_ratio),
            temperature=float(segment.temperature),
        )


def with_words(piece: Piece, words: tuple[RawWord, ...]) -> Piece:
    """``piece`` narrowed to ``words`` (its text rebuilt from them)."""
    text = "".join(word.text for word in words).strip()
    return replace(piece, words=words, text=text, start_s=words[0].start_s, end_s=words[-1].end_s)
