"""The diarization stage's options: one frozen record, every default in one place."""

from __future__ import annotations

from dataclasses import dataclass

from kuvend.config import Settings

#: The backends ``get_diarizer`` knows.
BACKENDS = ("embedded", "pyannote")


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """How speech is found, embedded, clustered and linked into session speakers.

    Cosine *distances* (1 - cosine similarity) between L2-normalised embeddings are used
    throughout. Resemblyzer on espeak-ng voices: same voice, 1.6 s windows, similarity
    0.56-0.97 (mean 0.8); same voice, 4 s sentences, 0.86-0.97; different voices 0.5-0.9.
    The thresholds were chosen on a grid (local 0.20-0.40 x link 0.15-0.35 x min speaker
    1-2 s) by DER on the real excerpts in ``../shared/eval/diarization/`` and the synthetic
    sessions of ``bench/diarization.py``: local 0.25 / link 0.20 / 2 s gives 8.3% on the
    synthetic sessions with the right count in all three; on the real AMI excerpts no setting
    did well (DER 52-65%: Resemblyzer separates far-field meeting voices poorly). See issue
    4's note. pyannote's backend brings its own embeddings and uses the same linking.
    """

    min_speakers: int | None = None
    """Lower bound on the session's speaker count (None: no bound)."""
    max_speakers: int | None = None
    """Upper bound on the session's speaker count (None: no bound)."""

    vad_threshold: float = 0.5
    """Silero speech probability above which a 32 ms frame is speech."""
    vad_min_speech_s: float = 0.25
    """Shorter bursts of speech are dropped (coughs, clicks)."""
    vad_min_silence_s: float = 0.3
    """Pauses shorter than this do not end a speech region."""
    vad_pad_s: float = 0.05
    """Padding added to both ends of each speech region."""

    window_step_s: float = 0.8
    """Step between the 1.6 s embedding windows inside a region; each window labels one step."""
    local_threshold: float = 0.25
    """Average-linkage distance below which windows of one chunk are one local speaker.

    Strict on purpose: splitting a speaker locally is repaired by linking, merging two is not.
    """
    link_threshold: float = 0.2
    """Average-linkage distance below which local speakers (centroids) are one session speaker."""
    min_speaker_s: float = 2.0
    """A speaker with less speech than this, in a chunk or in the session, is folded into the
    nearest other speaker: two 0.8 s steps (often the padded end of a region, or the tail of a
    turn cut by a chunk boundary) are too noisy an estimate to stand for a person. The cost:
    an interjection shorter than this goes to a neighbouring speaker of its chunk."""
    merge_gap_s: float = 1.0
    """Consecutive pieces of one speaker separated by at most this much silence form one turn."""

    @classmethod
    def from_settings(cls, settings: Settings) -> DiarizeOptions:
        """Options with the speaker-count bounds the operator configured."""
        return cls(min_speakers=settings.min_speakers, max_speakers=settings.max_speakers)

    def __post_init__(self) -> None:
        if (
            self.min_speakers is not None
            and self.max_speakers is not None
            and self.min_speakers > self.max_speakers
        ):
            raise ValueError(
                f"min_speakers ({self.min_speakers}) exceeds max_speakers ({self.max_speakers})"
            )
