"""Small helpers shared by the exports and the pages: clock times and speaker names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kuvend.minutes import Minutes, MinutesSegment, MinutesSpeaker


def clock(seconds: float) -> str:
    """``3723.4`` → ``"01:02:03"`` (hours always shown: sessions run for hours)."""
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def clock_ms(seconds: float, *, separator: str = ".") -> str:
    """``3723.4`` → ``"01:02:03.400"``, the cue time format of WebVTT (SRT uses a comma)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def speaker_name(speaker: MinutesSpeaker | None, label: str | None) -> str:
    """What a reader sees for a speaker: the member's name, else the label (``S1``)."""
    if speaker is not None and speaker.name:
        return speaker.name
    return label or "?"


def speakers_by_id(minutes: Minutes) -> dict[str, MinutesSpeaker]:
    """The minutes' speakers keyed by label."""
    return {speaker.id: speaker for speaker in minutes.speakers}


@dataclass(frozen=True, slots=True)
class Speech:
    """Consecutive segments by one speaker, as a paragraph of the minutes."""

    speaker: str | None
    segments: tuple[MinutesSegment, ...]

    @property
    def start(self) -> float:
        """Start of the first segment."""
        return self.segments[0].start

    @property
    def end(self) -> float:
        """End of the last segment."""
        return self.segments[-1].end

    @property
    def text(self) -> str:
        """The segments' text joined as one paragraph."""
        return " ".join(segment.text for segment in self.segments if segment.text)


def speeches(segments: Iterable[MinutesSegment]) -> Iterator[Speech]:
    """Group segments (already in time order) into speeches by speaker."""
    run: list[MinutesSegment] = []
    for segment in segments:
        if run and segment.speaker != run[0].speaker:
            yield Speech(run[0].speaker, tuple(run))
            run = []
        run.append(segment)
    if run:
        yield Speech(run[0].speaker, tuple(run))
