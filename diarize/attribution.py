"""Word-to-speaker attribution: each recognised word goes to the speaker turn it falls in."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import accumulate, groupby

from kuvend.domain import Segment, SpeakerTurn, Word
from kuvend.text import has_cyrillic, serbian_to_cyrillic, serbian_to_latin


def attribute_words(segments: Iterable[Segment], turns: Sequence[SpeakerTurn]) -> Iterator[Segment]:
    """Segments with ``speaker`` set, split where the speaker changes inside a segment.

    ``turns`` must be exclusive (no overlap) and sorted, as ``Diarization.turns`` are. A word
    belongs to the turn it overlaps most; a word touching no turn (speech the VAD missed)
    goes to the turn nearest its midpoint. A single word whose neighbours on both sides
    belong to one other speaker is given to them: a real change of speaker lasts longer than
    one word, while timestamps at a turn's edge are often off by a few tens of milliseconds.
    A segment without words goes whole to the speaker it overlaps most.
    """
    starts = [turn.start_s for turn in turns]
    for segment in segments:
        if not turns:
            yield segment
            continue
        if not segment.words:
            yield replace(
                segment, speaker=_speaker_of(segment.start_s, segment.end_s, turns, starts)
            )
            continue
        speakers = _smoothed(
            [_speaker_of(w.start_s, w.end_s, turns, starts) for w in segment.words]
        )
        runs = [
            (speaker, [word for word, _ in group])
            for speaker, group in groupby(
                zip(segment.words, speakers, strict=True), key=lambda x: x[1]
            )
        ]
        if len(runs) == 1:
            yield replace(segment, speaker=runs[0][0])
            continue
        for number, (speaker, words) in enumerate(runs):
            yield _piece(segment, speaker, words, first=number == 0, last=number == len(runs) - 1)


def _speaker_of(
    start_s: float, end_s: float, turns: Sequence[SpeakerTurn], starts: Sequence[float]
) -> str:
    """The speaker of the turn overlapping [start_s, end_s] most, else the nearest turn."""
    # Only turns starting before end_s can overlap; at most a few around the insertion point.
    position = bisect.bisect_right(starts, end_s)
    best, best_overlap = None, 0.0
    for turn in turns[max(position - 3, 0) : position]:
        overlap = min(end_s, turn.end_s) - max(start_s, turn.start_s)
        if overlap > best_overlap:
            best, best_overlap = turn.speaker, overlap
    if best is not None:
        return best
    middle = (start_s + end_s) / 2
    nearby = turns[max(position - 1, 0) : position + 1]
    return min(
        nearby, key=lambda turn: max(turn.start_s - middle, middle - turn.end_s, 0.0)
    ).speaker


def _smoothed(speakers: list[str]) -> list[str]:
    smoothed = list(speakers)
    for i in range(1, len(speakers) - 1):
        if speakers[i - 1] == speakers[i + 1] != speakers[i]:
            smoothed[i] = speakers[i - 1]
    return smoothed


def _piece(
    segment: Segment, speaker: str, words: list[Word], *, first: bool, last: bool
) -> Segment:
    """The part of ``segment`` spoken by ``speaker``: its words, text and times."""
    # Words reach attribution stripped (as the transcriber stores them): spaces go between.
    text = " ".join(word.text.strip() for word in words)
    other = None
    if segment.text_other_script is not None:
        # The other script of Serbian text is a transliteration, so the piece's is too.
        other = serbian_to_latin(text) if has_cyrillic(text) else serbian_to_cyrillic(text)
    return replace(
        segment,
        start_s=segment.start_s if first else words[0].start_s,
        end_s=segment.end_s if last else words[-1].end_s,
        text=text,
        words=tuple(words),
        speaker=speaker,
        text_other_script=other,
    )


def extend_to_turns(segments: Sequence[Segment], turns: Sequence[SpeakerTurn]) -> list[Segment]:
    """``segments`` (attributed, in time order) with their spans widened to their speaker's turn.

    Whisper times a segment by its first and last recognised word, so a speaker's speech that
    it left untranscribed (a mumble, a word under another voice, a dropped hallucination) falls
    between segments and would not count as speaking time. A segment's start moves back and
    its end forward, in seconds, as far as the speaker's own turn reaches (the turn it
    overlaps most), never into another segment: the pause inside one speaker's turn
    is theirs, the silence around it and other speakers' turns are not. Words keep their own
    times. ``turns`` must be exclusive and sorted, as ``Diarization.turns`` are. A segment
    without a speaker, touching none of its speaker's turns, or starting inside an earlier
    segment, is unchanged.
    """
    own: dict[str, list[SpeakerTurn]] = {}
    for turn in turns:
        own.setdefault(turn.speaker, []).append(turn)
    starts = {speaker: [turn.start_s for turn in theirs] for speaker, theirs in own.items()}
    # Segments may already overlap (a flagged loop can span the pieces read after it): one
    # inside another's span stays as read, and none grows past the earliest start after it.
    later_starts = list(accumulate(reversed([s.start_s for s in segments]), min))[::-1]
    widened: list[Segment] = []
    previous_end = float("-inf")
    for number, segment in enumerate(segments):
        speaker = segment.speaker or ""
        home = _turn_of(segment, own.get(speaker, []), starts.get(speaker, []))
        if home is None or segment.start_s < previous_end:
            widened.append(segment)
            previous_end = max(previous_end, segment.end_s)
            continue
        next_start = later_starts[number + 1] if number + 1 < len(segments) else float("inf")
        start = min(segment.start_s, max(home.start_s, previous_end))
        end = max(segment.end_s, min(home.end_s, next_start))
        widened.append(replace(segment, start_s=start, end_s=end))
        previous_end = max(previous_end, end)
    return widened


def _turn_of(
    segment: Segment, turns: Sequence[SpeakerTurn], starts: Sequence[float]
) -> SpeakerTurn | None:
    """The one of ``turns`` (one speaker's, sorted) that overlaps ``segment`` most; a
    zero-length segment's is the turn containing it."""
    best: SpeakerTurn | None = None
    best_overlap = -1.0
    # One speaker's turns do not overlap: those touching the segment end just before this.
    position = bisect.bisect_right(starts, segment.end_s) - 1
    while position >= 0 and turns[position].end_s >= segment.start_s:
        turn = turns[position]
        overlap = min(segment.end_s, turn.end_s) - max(segment.start_s, turn.start_s)
        if overlap > best_overlap:
            best, best_overlap = turn, overlap
        position -= 1
    return best
