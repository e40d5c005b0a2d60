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
    PowersetWindows,
    frame_probability,
    stretches_above,
)
from kuvend.domain import Segment, SpeakerTurn

#: Powerset classes 4-6 are the pairs of window-local speakers (0+1, 0+2, 1+2).
PAIR_CLASSES = slice(4, 7)

Overlaps = list[tuple[float, float]]


def find_overlaps(windows: PowersetWindows, *, threshold: float, min_duration_s: float) -> Overlaps:
    """(start_s, end_s) of overlapped speech, from the start of the windows' audio, sorted.

    Stretches shorter than ``min_duration_s`` are dropped.
    """
    return stretches_above(windows, overlap_probability(windows), threshold, min_duration_s)


def overlap_probability(windows: PowersetWindows) -> np.ndarray[Any, Any]:
    """Probability (0..1) that each 16.875 ms frame holds two or more voices, averaged over
    the windows that see it; frame ``i`` is centred on ``frame_centres_s(i)``."""
    return frame_probability(windows, PAIR_CLASSES)


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
