"""Overlapped speech: where two or more people speak at once, from segmentation-3.0's windows.

The overlap probability of a frame is the sum of the powerset's pair classes
(``diarize.powerset``); the windows that see a frame are averaged, and stretches above a
threshold are overlap. Attribution stays exclusive: overlaps only mark the segments they touch,
and each stretch gets a second voice (``second_voices``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from diarize.powerset import (
    FRAME_SPAN_SAMPLES,
    FRAME_STEP_SAMPLES,
    FRAMES_PER_WINDOW,
    WINDOW_SAMPLES,
    PowersetWindows,
    frame_centres_s,
)
from kuvend.domain import SAMPLE_RATE_HZ, Segment, SpeakerTurn

#: Powerset classes 4-6 are the pairs of window-local speakers (0+1, 0+2, 1+2).
PAIR_CLASSES = slice(4, 7)

Overlaps = list[tuple[float, float]]


def find_overlaps(windows: PowersetWindows, *, threshold: float, min_duration_s: float) -> Overlaps:
    """(start_s, end_s) of overlapped speech, from the start of the windows' audio, sorted.

    Stretches shorter than ``min_duration_s`` are dropped.
    """
    probability = overlap_probability(windows)
    above = np.concatenate([[False], probability > threshold, [False]])
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    duration_s = windows.samples / SAMPLE_RATE_HZ
    half_step_s = FRAME_STEP_SAMPLES / SAMPLE_RATE_HZ / 2
    starts = frame_centres_s(edges[::2]) - half_step_s
    ends = np.minimum(frame_centres_s(edges[1::2] - 1) + half_step_s, duration_s)
    return [
        (max(0.0, float(start)), float(end))
        for start, end in zip(starts, ends, strict=True)
        if end - start >= min_duration_s
    ]


def overlap_probability(windows: PowersetWindows) -> np.ndarray[Any, Any]:
    """Probability (0..1) that each 16.875 ms frame holds two or more voices, averaged over
    the windows that see it; frame ``i`` is centred on ``frame_centres_s(i)``."""
    length = max(windows.samples, WINDOW_SAMPLES)
    frames = (length - FRAME_SPAN_SAMPLES) // FRAME_STEP_SAMPLES + 1
    total, seen = np.zeros(frames), np.zeros(frames)
    pairs = np.exp(windows.log_probabilities[:, :, PAIR_CLASSES]).sum(axis=2)
    for start, window in zip(windows.starts, pairs, strict=True):
        # Window starts are multiples of the frame step, so frames line up exactly.
        offset = int(start) // FRAME_STEP_SAMPLES
        span = min(FRAMES_PER_WINDOW, frames - offset)
        total[offset : offset + span] += window[:span]
        seen[offset : offset + span] += 1
    usable = int(np.ceil(windows.samples / FRAME_STEP_SAMPLES))
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
    """Who else spoke in each overlapped stretch, as turns on the session clock.

    ``turns`` are exclusive, so each part of a stretch belongs to one speaker's turn; the
    stretch is cut where that turn changes, and the other voice of each part is taken to be
    the nearest other speaker in time, at most ``max_gap_s`` from the part. People mostly talk
    over each other where the floor changes hands: the one interrupting, or the one not yet
    finished. A part with no turn, or no other speaker that near (a session of one voice),
    gets none.
    """
    voices: list[SpeakerTurn] = []
    for start, end in overlaps:
        for turn in turns:
            part_start, part_end = max(start, turn.start_s), min(end, turn.end_s)
            if part_end <= part_start:
                continue
            gaps: dict[str, float] = {}
            for other in turns:
                if other.speaker != turn.speaker:
                    gap = max(0.0, other.start_s - part_end, part_start - other.end_s)
                    gaps[other.speaker] = min(gap, gaps.get(other.speaker, gap))
            nearest = min(gaps.items(), key=lambda item: item[1], default=None)
            if nearest is not None and nearest[1] <= max_gap_s:
                voices.append(SpeakerTurn(part_start, part_end, nearest[0]))
    return tuple(voices)
