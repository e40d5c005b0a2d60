"""Overlapped speech: where two or more people speak at once, from pyannote's segmentation-3.0.

The network (prepared as ONNX by ``models.prepare_segmentation_model``) reads 10 s windows and
gives, for each 16.875 ms frame, the probability of each "powerset" class: silence, one of up
to three window-local speakers alone, or a pair of them together (Plaquet and Bredin,
"Powerset multi-class cross entropy loss for neural speaker diarization", Interspeech 2023).
The overlap probability of a frame is the sum of the pair classes; windows every
``step_s`` are averaged frame by frame, and stretches above ``threshold`` are overlap.
Attribution stays exclusive: overlaps only mark the segments they touch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from diarize.audio import Waveform
from kuvend.domain import SAMPLE_RATE_HZ, Segment, SpeakerTurn

#: The network's window (10 s), its output frames per window, their step and their span.
WINDOW_SAMPLES = 160_000
FRAMES_PER_WINDOW = 589
FRAME_STEP_SAMPLES = 270
FRAME_SPAN_SAMPLES = 991
#: Powerset classes 4-6 are the pairs of window-local speakers (0+1, 0+2, 1+2).
PAIR_CLASSES = slice(4, 7)
#: Windows sent to onnxruntime in one call.
BATCH_WINDOWS = 8

Overlaps = list[tuple[float, float]]


class OverlapDetector:
    """Finds overlapped speech in 16 kHz audio with segmentation-3.0 on onnxruntime."""

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path

    def find(
        self, samples: Waveform, *, step_s: float, threshold: float, min_duration_s: float
    ) -> Overlaps:
        """(start_s, end_s) of overlapped speech in ``samples``, relative to its start, sorted.

        ``step_s``: seconds between the starts of two 10 s windows (at most 10). Stretches
        shorter than ``min_duration_s`` are dropped.
        """
        probability = self.overlap_probability(samples, step_s=step_s)
        above = np.concatenate([[False], probability > threshold, [False]])
        edges = np.flatnonzero(np.diff(above.astype(np.int8)))
        duration_s = len(samples) / SAMPLE_RATE_HZ
        overlaps: Overlaps = []
        for first, last in zip(edges[::2], edges[1::2], strict=True):
            start = _frame_centre_s(int(first)) - FRAME_STEP_SAMPLES / SAMPLE_RATE_HZ / 2
            end = min(
                _frame_centre_s(int(last) - 1) + FRAME_STEP_SAMPLES / SAMPLE_RATE_HZ / 2, duration_s
            )
            if end - start >= min_duration_s:
                overlaps.append((max(0.0, start), end))
        return overlaps

    def overlap_probability(self, samples: Waveform, *, step_s: float) -> np.ndarray[Any, Any]:
        """Probability (0..1) that each 16.875 ms frame of ``samples`` holds two or more voices,
        averaged over the windows that see it; frame ``i`` is centred on ``_frame_centre_s(i)``."""
        if not 0 < step_s <= WINDOW_SAMPLES / SAMPLE_RATE_HZ:
            raise ValueError(f"step_s must be in (0, 10] seconds, not {step_s}")
        padded = np.zeros(max(len(samples), WINDOW_SAMPLES), dtype=np.float32)
        padded[: len(samples)] = samples
        starts = _window_starts(len(padded), round(step_s * SAMPLE_RATE_HZ))
        frames = (len(padded) - FRAME_SPAN_SAMPLES) // FRAME_STEP_SAMPLES + 1
        total, seen = np.zeros(frames), np.zeros(frames)
        session = _session(self.model_path)
        for batch in range(0, len(starts), BATCH_WINDOWS):
            chosen = starts[batch : batch + BATCH_WINDOWS]
            windows = np.stack([padded[start : start + WINDOW_SAMPLES] for start in chosen])
            (log_probabilities,) = session.run(None, {"waveforms": windows[:, None, :]})
            pairs = np.exp(log_probabilities[:, :, PAIR_CLASSES]).sum(axis=2)
            for start, window in zip(chosen, pairs, strict=True):
                # Window starts are multiples of the frame step, so frames line up exactly.
                offset = start // FRAME_STEP_SAMPLES
                span = min(FRAMES_PER_WINDOW, frames - offset)
                total[offset : offset + span] += window[:span]
                seen[offset : offset + span] += 1
        usable = int(np.ceil(len(samples) / FRAME_STEP_SAMPLES))
        probability: np.ndarray[Any, Any] = (total / np.maximum(seen, 1))[:usable]
        return probability


def mark_overlaps(
    segments: Iterable[Segment], overlaps: Sequence[tuple[float, float]], *, min_overlap_s: float
) -> Iterator[Segment]:
    """``segments`` with ``overlap`` set where at least ``min_overlap_s`` of overlapped speech
    (``Diarization.overlaps``, session clock, sorted) falls inside the segment."""
    for segment in segments:
        inside = sum(
            max(0.0, min(end, segment.end_s) - max(start, segment.start_s))
            for start, end in overlaps
            if start < segment.end_s and end > segment.start_s
        )
        yield replace(segment, overlap=segment.overlap or inside >= min_overlap_s)


def second_voices(
    turns: Sequence[SpeakerTurn], overlaps: Sequence[tuple[float, float]], *, max_gap_s: float
) -> tuple[SpeakerTurn, ...]:
    """Who else spoke in each overlapped stretch: one ``SpeakerTurn`` per stretch.

    ``turns`` are exclusive, so each stretch belongs to one speaker's turn there (the one
    covering most of it); the other voice is taken to be the nearest other speaker in time,
    at most ``max_gap_s`` from the stretch. People mostly talk over each other where the floor
    changes hands: the one interrupting, or the one not yet finished. A stretch with no other
    speaker that near (a session of one voice) gets none.
    """
    voices: list[SpeakerTurn] = []
    for start, end in overlaps:
        covered: dict[str, float] = {}
        for turn in turns:
            seconds = min(end, turn.end_s) - max(start, turn.start_s)
            if seconds > 0:
                covered[turn.speaker] = covered.get(turn.speaker, 0.0) + seconds
        main = max(covered, key=lambda speaker: covered[speaker]) if covered else None
        gaps: dict[str, float] = {}
        for turn in turns:
            if turn.speaker != main:
                gap = max(0.0, turn.start_s - end, start - turn.end_s)
                gaps[turn.speaker] = min(gap, gaps.get(turn.speaker, gap))
        nearest = min(gaps.items(), key=lambda item: item[1], default=None)
        if nearest is not None and nearest[1] <= max_gap_s:
            voices.append(SpeakerTurn(start, end, nearest[0]))
    return tuple(voices)


def _window_starts(length: int, step: int) -> list[int]:
    """Window starts (in samples, multiples of the frame step) covering ``length`` samples."""
    step = max(FRAME_STEP_SAMPLES, step - step % FRAME_STEP_SAMPLES)
    last = length - WINDOW_SAMPLES
    starts = list(range(0, last + 1, step))
    if starts[-1] != last:
        # The tail gets a window of its own, pulled back onto the frame grid.
        starts.append(last - last % FRAME_STEP_SAMPLES)
    return starts


def _frame_centre_s(frame: int) -> float:
    return (frame * FRAME_STEP_SAMPLES + FRAME_SPAN_SAMPLES / 2) / SAMPLE_RATE_HZ


@lru_cache(maxsize=2)
def _session(model_path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One worker process per core is how Kuvend scales; a model taking every core would fight it.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(model_path), options, providers=["CPUExecutionProvider"]
    )
