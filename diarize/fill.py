"""Speech the VAD missed at the edges of a speaker's speech, given to that speaker.

Silero drops quiet, distant speech (a meeting-room microphone, the end of a sentence), which
segmentation-3.0 still hears. Such speech is not embedded or clustered (its embedding would be
poor, and a poor embedding starts a speaker of its own): where it continues a speaker's speech
it extends that speaker's span, and where it joins two spans it is shared between them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from diarize.powerset import PowersetWindows, frame_probability, stretches_above

Span = tuple[float, float]

#: Every powerset class but silence (class 0): one voice, or two.
SPEECH_CLASSES = slice(1, 7)


def find_speech(windows: PowersetWindows, *, threshold: float) -> list[Span]:
    """(start_s, end_s) of speech (any voice) from the start of the windows' audio, sorted:
    the frames whose speech probability, averaged over the windows, is above ``threshold``."""
    return stretches_above(
        windows, frame_probability(windows, SPEECH_CLASSES), threshold, min_duration_s=0.0
    )


def fill_missed_speech(spans: Sequence[Span], speech: Sequence[Span]) -> list[Span]:
    """``spans`` (sorted, not overlapping; seconds) widened through the ``speech`` stretches
    (sorted, not overlapping) their edges fall in.

    A span's start moves back to the start of the stretch it lies in, and its end forward to
    the stretch's end, never past a neighbouring span; where two spans reach into the same
    silence between them, they meet halfway. Spans outside every stretch are unchanged.
    """
    starts = [start for start, _ in speech]

    def stretch_at(time_s: float) -> Span | None:
        position = bisect.bisect_right(starts, time_s) - 1
        if position >= 0 and speech[position][1] >= time_s:
            return speech[position]
        return None

    widened: list[Span] = []
    for number, (start, end) in enumerate(spans):
        previous_end = spans[number - 1][1] if number else float("-inf")
        next_start = spans[number + 1][0] if number + 1 < len(spans) else float("inf")
        before, after = stretch_at(start), stretch_at(end)
        new_start = max(before[0], previous_end) if before else start
        new_end = min(after[1], next_start) if after else end
        if number and new_start < widened[-1][1]:
            # Both reach into the silence between them: meet halfway through it.
            middle = (previous_end + start) / 2
            widened[-1] = (widened[-1][0], min(widened[-1][1], middle))
            new_start = max(new_start, middle)
        widened.append((min(new_start, start), max(new_end, end)))
    return widened
