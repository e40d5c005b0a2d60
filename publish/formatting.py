"""Small helpers shared by the exports and the pages: clock times and speaker names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kuvend.minutes import Minutes, MinutesSegment, MinutesSpeaker
from kuvend.types import SerbianScript
from publish.i18n import UI_LANGUAGES, Translator, UiLanguage


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


def published_text(segment: MinutesSegment, script: SerbianScript = "latin") -> str:
    """What an export writes for ``segment``: its text, or for flagged speech the gap's label
    in the segment's language (``[4 s … to be filled in]``), never the best-effort words."""
    if not segment.flag:
        return segment.text
    seconds = f"{segment.end - segment.start:.0f}"
    return _labels(segment, script)(f"flag_{segment.flag}", seconds=seconds)


def overlap_note(segment: MinutesSegment, script: SerbianScript = "latin") -> str:
    """The note a document writes after a segment where two people spoke at once, in the
    segment's language (``[Two people spoke at once here; …]``); empty for any other."""
    return f"[{_labels(segment, script)('overlap')}]" if segment.overlap else ""


def noted_text(segment: MinutesSegment, script: SerbianScript = "latin") -> str:
    """What a document (TXT, DOCX) writes for ``segment``: its published text and its note."""
    parts = (published_text(segment, script), overlap_note(segment, script))
    return " ".join(part for part in parts if part)


def _labels(segment: MinutesSegment, script: SerbianScript) -> Translator:
    """The catalog of the segment's language (Albanian for a language the site lacks)."""
    language: UiLanguage = next((ui for ui in UI_LANGUAGES if ui == segment.language), "sq")
    return Translator(language, script)


@dataclass(frozen=True, slots=True)
class Speech:
    """Consecutive segments by one speaker, as a paragraph of the minutes."""

    speaker: str | None
    segments: tuple[MinutesSegment, ...]
    script: SerbianScript = "latin"
    """Script of the labels written for flagged segments in Serbian."""

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
        """The segments' published text joined as one paragraph."""
        texts = (published_text(segment, self.script) for segment in self.segments)
        return " ".join(text for text in texts if text)

    @property
    def noted_text(self) -> str:
        """The paragraph as a document writes it: each segment's text and its note."""
        texts = (noted_text(segment, self.script) for segment in self.segments)
        return " ".join(text for text in texts if text)


def speeches(
    segments: Iterable[MinutesSegment], script: SerbianScript = "latin"
) -> Iterator[Speech]:
    """Group segments (already in time order) into speeches by speaker."""
    run: list[MinutesSegment] = []
    for segment in segments:
        if run and segment.speaker != run[0].speaker:
            yield Speech(run[0].speaker, tuple(run), script)
            run = []
        run.append(segment)
    if run:
        yield Speech(run[0].speaker, tuple(run), script)
