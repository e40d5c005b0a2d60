"""Domain records the stages pass to each other.

Every stage takes some of these and returns new ones; none is mutated after it is made.
Times are float seconds on the *session* clock (0 at the start of the recording, gaps
included), rounded to milliseconds only when serialised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kuvend.types import LanguageCode, SegmentFlag, SerbianScript

#: The sample rate of every chunk and of both models' input: chunks are 16 kHz mono 16-bit PCM
#: WAV, and every stage reads them at this rate.
SAMPLE_RATE_HZ = 16_000

#: A speaker embedding (voiceprint), L2-normalised, float32.
Embedding = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AudioStreamInfo:
    """One audio stream of an input file: ``index`` is ffmpeg's ``a:N`` (0 = the first audio).

    ``start_s`` is where the stream starts on the container's presentation clock (0 = the
    container's start, which is the video's). ``speech_s`` is the speech Silero VAD found in
    the part scanned to choose a stream (``None`` before scanning).
    """

    index: int
    codec: str
    channels: int
    channel_layout: str
    sample_rate: int
    language: str | None
    start_s: float
    duration_s: float | None = None
    """As the header states it (``None`` when it does not)."""
    speech_s: float | None = None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What ffprobe says about an input file, plus its content hash.

    ``codec``, rate and channels describe audio stream ``audio_stream`` (``a:N``); every audio
    stream is in ``audio_streams``. ``duration_s`` is the audio's end on the container clock:
    the header's figure, or measured by decoding when the header has none
    (``duration_measured``). ``header_duration_s`` is what the header promises, when it does.
    """

    path: Path
    sha256: str
    size_bytes: int
    duration_s: float
    format_name: str
    audio_codec: str
    sample_rate: int
    channels: int
    has_video: bool
    audio_streams: tuple[AudioStreamInfo, ...] = ()
    audio_stream: int = 0
    header_duration_s: float | None = None
    duration_measured: bool = False


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of session time with no recording (a dropped stream), and why."""

    start_s: float
    end_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A piece of the session's audio, mono PCM WAV at :data:`SAMPLE_RATE_HZ`, placed on the
    session clock."""

    index: int
    path: Path
    offset_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        """Session time of the chunk's last sample."""
        return self.offset_s + self.duration_s


@dataclass(frozen=True, slots=True)
class Word:
    """A recognised word with its session times and the model's probability (0..1)."""

    start_s: float
    end_s: float
    text: str
    probability: float
    low_confidence: bool = False
    """The model was unsure (probability under the transcriber's limit): a reviewer should look."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A recognised stretch of speech, in one language, with its words and quality signals.

    ``speaker`` is ``None`` until word-to-speaker attribution has run.
    """

    start_s: float
    end_s: float
    text: str
    language: LanguageCode
    language_probability: float
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    chunk_index: int = 0
    speaker: str | None = None
    text_other_script: str | None = None
    """Serbian text in the script the assembly did not choose, kept for search."""
    flag: SegmentFlag | None = None
    """Speech whose text the guards rejected (``text`` is empty or best effort): a gap to fill."""
    overlap: bool = False
    """Two or more people spoke at once during part of the segment (``Diarization.overlaps``):
    its words still go to one speaker, and a reader is told the text may miss the other."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, for artifacts that outlive the process."""
        data = asdict(self)
        data["words"] = [asdict(word) for word in self.words]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Segment:
        """Inverse of :meth:`to_dict`."""
        fields = dict(data)
        fields["words"] = tuple(Word(**word) for word in data.get("words", ()))
        return cls(**fields)


def segment_id(session_id: str, chunk_index: int, start_s: float, ordinal: int = 0) -> str:
    """The id recognition gives a segment: 20 hex characters of SHA-256 over the session, the
    chunk, the start in milliseconds and an ordinal (for two segments starting together).

    Derived rather than random so that running recognition again over the same audio gives
    the same ids, and the links a reviewer or a journalist kept (``#seg-…``) still point
    somewhere; 20 characters fit the database's 32-character key.
    """
    key = f"{session_id}|{chunk_index}|{round(start_s * 1000)}|{ordinal}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def segment_ids(
    session_id: str, segments: Iterable[Segment], taken: Iterable[str] = ()
) -> list[str]:
    """The ids of ``segments`` in order (:func:`segment_id`), none of them one of ``taken`` or
    another's: the first free ordinal is used."""
    used = set(taken)
    ids: list[str] = []
    for segment in segments:
        ordinal = 0
        while segment_id(session_id, segment.chunk_index, segment.start_s, ordinal) in used:
            ordinal += 1
        ids.append(segment_id(session_id, segment.chunk_index, segment.start_s, ordinal))
        used.add(ids[-1])
    return ids


@dataclass(frozen=True, slots=True)
class DraftSegment:
    """A segment of a session's draft as stored: its id (given at recognition, kept through
    review) and whether a reviewer has checked it (then its text is the reviewer's)."""

    id: str
    segment: Segment
    reviewed: bool = False


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """One speaker talking without interruption, on the session clock."""

    start_s: float
    end_s: float
    speaker: str


@dataclass(frozen=True)
class Diarization:
    """Who spoke when. ``turns`` never overlap (exclusive), which is what attribution needs;
    ``overlaps`` are the (start_s, end_s) stretches where two or more people spoke at once, and
    ``second_voices`` say who spoke over the turn's speaker there, one turn per part of a
    stretch whose other voice could be told (named by ``link_speakers`` over a session)."""

    turns: tuple[SpeakerTurn, ...]
    centroids: dict[str, Embedding] = field(default_factory=dict)
    backend: str = ""
    duration_s: float = 0.0
    overlaps: tuple[tuple[float, float], ...] = ()
    second_voices: tuple[SpeakerTurn, ...] = ()


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    """A stretch of one chunk's speech with the chunk-local speaker label and its voice embedding.

    ``label`` is only meaningful within its chunk; session-level labels come from linking.
    """

    start_s: float
    end_s: float
    label: str
    embedding: Embedding = field(compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (the embedding as a list of floats)."""
        return {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "label": self.label,
            "embedding": [float(value) for value in self.embedding],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeechRegion:
        """Inverse of :meth:`to_dict`."""
        return cls(
            float(data["start_s"]),
            float(data["end_s"]),
            str(data["label"]),
            np.asarray(data["embedding"], dtype=np.float32),
        )


@dataclass(frozen=True)
class ChunkDiarization:
    """What a diarizer found in one chunk: speech regions with chunk-local labels, session clock."""

    chunk_index: int
    offset_s: float
    duration_s: float
    regions: tuple[SpeechRegion, ...]
    backend: str = ""
    overlaps: tuple[tuple[float, float], ...] = ()
    """(start_s, end_s) on the session clock where two or more people spoke at once."""
    distinct: tuple[tuple[str, str], ...] = ()
    """Pairs of local labels that are different people for certain (``diarize.constraints``):
    linking never makes them one session speaker."""
    speech: tuple[tuple[float, float], ...] = ()
    """(start_s, end_s) on the session clock where a second model hears speech (segmentation-3.0
    in the embedded diarizer; empty without one): quiet speech the regions' VAD missed is
    given to the turn it continues (``diarize.fill``)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "chunk_index": self.chunk_index,
            "offset_s": self.offset_s,
            "duration_s": self.duration_s,
            "regions": [region.to_dict() for region in self.regions],
            "backend": self.backend,
            "overlaps": [[start, end] for start, end in self.overlaps],
            "distinct": [[first, second] for first, second in self.distinct],
            "speech": [[start, end] for start, end in self.speech],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChunkDiarization:
        """Inverse of :meth:`to_dict`."""
        return cls(
            int(data["chunk_index"]),
            float(data["offset_s"]),
            float(data["duration_s"]),
            tuple(SpeechRegion.from_dict(region) for region in data["regions"]),
            str(data.get("backend", "")),
            tuple((float(start), float(end)) for start, end in data.get("overlaps", ())),
            tuple((str(first), str(second)) for first, second in data.get("distinct", ())),
            tuple((float(start), float(end)) for start, end in data.get("speech", ())),
        )


@dataclass(frozen=True, slots=True)
class Member:
    """An assembly member as the register knows them; ``voiceprint`` is set once enrolled."""

    id: str
    assembly: str
    name: str
    party: str | None = None
    role: str | None = None
    voiceprint: Embedding | None = None
    voice_space: str | None = None
    """The speaker encoder the voiceprint was made with; another encoder's is never compared."""


@dataclass(frozen=True, slots=True)
class DraftSpeaker:
    """A speaker label of a session's draft and who it was named as: a member, a guest's name
    (``guest_name``, when the speaker is not a member), or nobody yet."""

    label: str
    member: Member | None = None
    guest_name: str | None = None


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """An agenda item placed on the session clock: taken up at ``start_s``."""

    start_s: float
    title: str


@dataclass(frozen=True, slots=True)
class Assembly:
    """A municipal assembly (or committee) and how its minutes are written."""

    slug: str
    name: str
    languages: tuple[LanguageCode, ...] = ("sq", "sr")
    serbian_script: SerbianScript = "latin"
    vocabulary: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A session's identity and metadata, as the stages need it."""

    id: str
    assembly: str
    title: str
    date: date
    languages: tuple[LanguageCode, ...] = ("sq", "sr")
    serbian_script: SerbianScript = "latin"
    gaps: tuple[Gap, ...] = ()


@dataclass(frozen=True, slots=True)
class UploadReceipt:
    """An upload that passed ``ingest``'s checks and whose processing has started (what
    ``SessionActions.process_upload`` returns)."""

    sha256: str
    """The original's hash: it is kept in the media store under it."""
    duration_s: float
    already_stored: bool
    """The same file had been uploaded before; the stored copy was reused."""


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """A draft published as a new version (what ``SessionActions.publish`` returns)."""

    version: int
    unfilled_segments: int
    """Flagged segments published as gaps no reviewer has filled in."""
    unfilled_s: float
    """Their length in seconds."""
