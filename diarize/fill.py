"""Speech the VAD missed at the edges of a speaker's speech, given to that speaker.

Silero drops quiet, distant speech (a meeting-room microphone, the end of a sentence), which
segmentation-3.0 still hears. Such speech is not embedded or clustered (its embedding would be
poor, and a poor embedding starts a speaker of its own), and it weighs nothing in linking:
once speakers are linked, where it continues a speaker's turn it extends that turn, and where
it joins two turns it is shared between them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from diarize.powerset import PowersetWindows, frame_probability, stretches_above
from kuvend.domain import SpeakerTurn

Span = tuple[float, float]

#: Every powerset class but silence (class 0): one voice, or two.
SPEECH_CLASSES = slice(1, 7)


def find_speech(windows: PowersetWindows, *, threshold: float) -> list[Span]:
    """(start_s, end_s) of speech (any voice) from the start of the windows' audio, sorted:
    the frames whose speech probability, averaged over the windows, is above ``threshold``."""
    return stretches_above(
        windows, frame_probability(windows, SPEECH_CLASSES), threshold, min_duration_s=0.0
    )


def fill_missed_speech(turns: Sequence[SpeakerTurn], speech: Sequence[Span]) -> list[SpeakerTurn]:
    """``turns`` (exclusive and sorted, seconds) widened through the ``speech`` stretches
    (sorted, not overlapping) their edges fall in.

    A turn's start moves back to the start of the stretch it lies in, and its end forward to
    the stretch's end, never past a neighbouring turn; where two turns reach into the same
    silence between them, they meet halfway. Turns outside every stretch are unchanged.
    """
    starts = [start for start, _ in speech]

    def stretch_at(time_s: float) -> Span | None:
        position = bisect.bisect_right(starts, time_s) - 1
        if position >= 0 and speech[position][1] >= time_s:
            return speech[position]
        return None

    widened: list[SpeakerTurn] = []
    for number, turn in enumerate(turns):
        start, end = turn.start_s, turn.end_s
        previous_end = turns[number - 1].end_s if number else float("-inf")
        next_start = turns[number + 1].start_s if number + 1 < len(turns) else float("inf")
        before, after = stretch_at(start), stretch_at(end)
        new_start = max(before[0], previous_end) if before else start
        new_end = min(after[1], next_start) if after else end
        if number and new_start < widened[-1].end_s:
            # Both reach into the silence between them: meet halfway through it.
            middle = (previous_end + start) / 2
            last = widened[-1]
            widened[-1] = replace(last, end_s=min(last.end_s, middle))
            new_start = max(new_start, middle)
        widened.append(replace(turn, start_s=min(new_start, start), end_s=max(new_end, end)))
    return widened
