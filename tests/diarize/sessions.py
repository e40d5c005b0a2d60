"""Helpers for diarization tests: cutting a session into chunks, scoring speaker labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile

from kuvend.domain import AudioChunk, SpeakerTurn
from tests.utils.speech import ReferenceTurn


def cut_into_chunks(path: Path, chunk_s: float, target: Path) -> list[AudioChunk]:
    """``path`` as consecutive WAV chunks of ``chunk_s`` seconds, placed on the session clock."""
    samples, rate = soundfile.read(str(path), dtype="float32")
    step = int(chunk_s * rate)
    target.mkdir(parents=True, exist_ok=True)
    chunks = []
    for index, first in enumerate(range(0, len(samples), step)):
        piece = samples[first : first + step]
        chunk_path = target / f"chunk{index:04d}.wav"
        soundfile.write(str(chunk_path), piece, rate, subtype="PCM_16")
        chunks.append(AudioChunk(index, chunk_path, first / rate, len(piece) / rate))
    return chunks


def write_crosstalk(
    first: Path, second: Path, target: Path, *, together: tuple[float, float] = (8.0, 12.0)
) -> Path:
    """20 s of 16 kHz speech: ``first`` alone until ``together[0]``, both summed (each at its
    own level) until ``together[1]``, then ``second`` alone until 20 s."""
    one, rate = soundfile.read(str(first), dtype="float32")
    two, _ = soundfile.read(str(second), dtype="float32")
    start, end = (int(seconds * rate) for seconds in together)
    mix = np.zeros(20 * rate, dtype=np.float32)
    mix[:end] += one[:end]
    mix[start:] += two[: len(mix) - start]
    soundfile.write(str(target), mix / max(1.0, float(np.abs(mix).max())), rate)
    return target


def majority_label(reference: ReferenceTurn, turns: Sequence[SpeakerTurn]) -> str | None:
    """The hypothesis speaker covering most of ``reference``, or None if none covers it."""
    overlap: Counter[str] = Counter()
    for turn in turns:
        seconds = min(reference.end_s, turn.end_s) - max(reference.start_s, turn.start_s)
        if seconds > 0:
            overlap[turn.speaker] += seconds
    return overlap.most_common(1)[0][0] if overlap else None


def speech_span(samples: np.ndarray, rate: int, turn: ReferenceTurn) -> tuple[float, float]:
    """Where the voice actually sounds inside ``turn``: espeak-ng pads its output with ~0.25 s
    of silence, which the reference includes but no listener counts as speaking time."""
    first, last = int(turn.start_s * rate), int(turn.end_s * rate)
    loud = np.flatnonzero(np.abs(samples[first:last]) > 1e-3)
    if len(loud) == 0:
        return turn.start_s, turn.start_s
    return (first + loud[0]) / rate, (first + loud[-1] + 1) / rate
