"""The ``minutes.json`` contract (see DESIGN.md), as pydantic models.

The required keys are stable: other tools rely on them. Optional keys may be added; a reader
must ignore keys it does not know. Times are seconds from the start of the session.
"""

import hashlib
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from kuvend.errors import ConflictError
from kuvend.types import LanguageCode, SegmentFlag

SessionStatus = Literal["draft", "published"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MinutesWord(_Record):
    start: float
    end: float
    word: str
    p: float = Field(ge=0.0, le=1.0)


class MinutesSegment(_Record):
    id: str
    start: float
    end: float
    speaker: str | None
    language: LanguageCode
    text: str
    words: list[MinutesWord] = Field(default_factory=list)
    language_p: float | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    low_confidence_words: list[int] = Field(default_factory=list)
    """Indices into ``words`` that a reviewer should check."""
    flag: SegmentFlag | None = None
    """Speech the transcriber could not trust (``unintelligible``, ``loop``, ``not_language``):
    counted as speech, shown as a gap to fill; absent or null for ordinary speech."""
    overlap: bool = False
    """Two or more people spoke at once during part of it: the words go to one speaker and
    may miss the other's. Kept after review; absent in minutes written before it (false)."""
    reviewed: bool = False


class MinutesSpeaker(_Record):
    id: str
    member_id: str | None = None
    name: str | None = None
    party: str | None = None
    speaking_time_s: float = 0.0
    turns: int = 0
    longest_turn_s: float = 0.0
    languages: dict[LanguageCode, float] = Field(default_factory=dict)


class MinutesOverlap(_Record):
    """A stretch where a second person (``speaker``) spoke over the segment's speaker.

    Segments keep one speaker each and speaking times count them alone; this is who else
    was heard there. Absent (empty) in minutes written before it.
    """

    start: float
    end: float
    speaker: str


class MinutesGap(_Record):
    start: float
    end: float
    reason: str


class MinutesAudioStream(_Record):
    """One audio stream of the source file (``index`` is ffmpeg's ``a:N``)."""

    index: int
    channels: int
    language: str | None = None
    """The stream's language tag, when the file has one."""
    speech_s: float | None = None
    """Seconds of speech found when choosing the stream (in the part scanned)."""
    used: bool = False
    channel: str | None = None
    """The one channel transcribed (``FC`` centre, ``FL``/``FR`` a live side), else a down-mix."""


class MinutesTruncation(_Record):
    """The source ends before its header says; it was processed as far as it decodes."""

    stated_s: float
    decoded_s: float


class MinutesAgendaItem(_Record):
    start: float
    title: str


class MinutesSession(_Record):
    id: str
    assembly: str
    title: str
    date: str
    duration_s: float
    languages: list[LanguageCode]
    status: SessionStatus
    serbian_script: Literal["latin", "cyrillic"] = "latin"
    version: int | None = None
    gaps: list[MinutesGap] = Field(default_factory=list)
    agenda: list[MinutesAgendaItem] = Field(default_factory=list)
    generator: str | None = None
    """What made these minutes: Kuvend's version, the models and their options."""
    audio_streams: list[MinutesAudioStream] = Field(default_factory=list)
    truncated: MinutesTruncation | None = None


class FlaggedSpeech(NamedTuple):
    """Speech the transcriber could not trust and no reviewer has filled in yet."""

    segments: int
    seconds: float


class Minutes(_Record):
    session: MinutesSession
    speakers: list[MinutesSpeaker]
    segments: list[MinutesSegment]
    overlaps: list[MinutesOverlap] = Field(default_factory=list)

    def flagged_speech(self) -> FlaggedSpeech:
        """How many segments are still flagged (gaps to fill), and their length in seconds."""
        flagged = [segment for segment in self.segments if segment.flag]
        return FlaggedSpeech(len(flagged), sum(s.end - s.start for s in flagged))

    def to_json(self) -> str:
        """The contract's JSON text, times rounded to milliseconds."""
        return self.model_dump_json(indent=2)


def sha256_text(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def thaw(json_text: str, sha256: str) -> Minutes:
    """A published version read back from its stored JSON, refused (``ConflictError``) if
    its bytes no longer match the SHA-256 it was published with."""
    if sha256_text(json_text) != sha256:
        raise ConflictError(f"published minutes do not match their hash {sha256[:12]}…")
    return Minutes.model_validate_json(json_text)
