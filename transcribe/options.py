"""``TranscribeOptions``: every tunable of the transcription stage, with units in the names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kuvend.config import Settings
from kuvend.types import LanguageCode, SerbianScript

#: Whisper's Serbian-group languages: Croatian and Bosnian detections count toward Serbian.
SERBIAN_GROUP: tuple[LanguageCode, ...] = ("sr", "hr", "bs")


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """How a chunk is transcribed. Frozen: build a new one with ``dataclasses.replace``.

    Defaults suit Whisper base on 2 CPU cores; thresholds are Whisper's own where it has them.
    """

    languages: tuple[LanguageCode, ...] = ("sq", "sr")
    """The assembly's languages; each speech region gets one of these and no other."""
    serbian_script: SerbianScript = "latin"
    """Script of Serbian text in the minutes; the other script goes to ``text_other_script``."""
    vocabulary: tuple[str, ...] = ()
    """Members' names, parties, villages, budget terms: given to the model as a prompt."""
    vocabulary_as: str = "prompt"
    """``prompt`` (initial prompt), ``hotwords`` (faster-whisper hotwords) or ``none``."""

    beam_size: int = 5
    batch_size: int = 16
    """Whisper windows encoded and decoded together (CPU and CUDA alike)."""

    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 500
    """A pause this long ends a speech region; turns are usually separated by longer ones."""
    vad_speech_pad_ms: int = 200
    max_region_s: float = 28.0
    """Longer speech is split (at its last short pause) so that a region fits one Whisper window."""
    merge_gap_s: float = 1.0
    """A region shorter than ``min_language_s`` is decoded with a neighbour closer than this."""

    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    """With ``no_speech_threshold``: a segment above both limits is silence, not speech."""
    compression_ratio_threshold: float = 2.4
    """Above this gzip ratio a segment's text is a repetition loop."""
    leak_p: float = 0.5
    """A vocabulary term written with words under this mean probability leaked from the prompt."""
    min_language_s: float = 2.0
    """Speech shorter than this takes the language of the speech around it."""
    language_switch_p: float = 0.65
    """A sentence is re-decoded in another language only when that language's share is this high."""
    max_repeats: int = 6
    """A word repeated more often than this in a row is a repetition loop (a phrase of two to
    four words: ``transcribe.guards.MAX_PHRASE_ROUNDS``)."""
    low_confidence_p: float = 0.4
    """Words below this probability are flagged for the reviewers."""

    max_segment_s: float = 20.0
    """Sentences are joined into one segment up to this length; longer ones are cut at pauses."""
    sentence_gap_s: float = 1.5
    """A pause longer than this ends a segment even mid-sentence."""
    carry_max_s: float = 15.0
    """Speech running across a chunk's end is re-decoded with the next chunk, up to this long."""

    temperatures: tuple[float, ...] = field(default=(0.0,))
    """``(0.0,)``: beam search, and the one re-decode after a guard fails is beam search too,
    without the prompt and with repeated 3-grams forbidden; the same audio always gives the same
    text. A second value above 0 makes that re-decode sample at it, seeded (``SAMPLING_SEED``),
    so that it is repeatable as well. Only the first two values are used."""

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError("TranscribeOptions.languages must name at least one language")
        if self.vocabulary_as not in ("prompt", "hotwords", "none"):
            raise ValueError(
                f"vocabulary_as must be 'prompt', 'hotwords' or 'none', not {self.vocabulary_as!r}"
            )
        if self.serbian_script not in ("latin", "cyrillic"):
            raise ValueError(
                f"serbian_script must be 'latin' or 'cyrillic', not {self.serbian_script!r}"
            )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        languages: Sequence[LanguageCode],
        serbian_script: SerbianScript,
        vocabulary: Sequence[str] = (),
    ) -> TranscribeOptions:
        """Options for one session: the assembly's choices plus the operator's settings."""
        return cls.for_assembly(
            languages,
            serbian_script=serbian_script,
            vocabulary=vocabulary,
            beam_size=settings.whisper_beam_size,
            batch_size=settings.whisper_batch_size,
            temperatures=tuple(settings.whisper_temperatures),
        )

    @classmethod
    def for_assembly(
        cls,
        languages: Sequence[LanguageCode],
        *,
        serbian_script: SerbianScript = "latin",
        vocabulary: Sequence[str] = (),
        beam_size: int = 5,
        batch_size: int = 16,
        temperatures: tuple[float, ...] = (0.0,),
    ) -> TranscribeOptions:
        """Options for an assembly: its languages (hr/bs folded into sr), script and word list."""
        folded: list[LanguageCode] = []
        for language in languages:
            code = "sr" if language in SERBIAN_GROUP else language
            if code not in folded:
                folded.append(code)
        words = tuple(dict.fromkeys(term.strip() for term in vocabulary if term.strip()))
        return cls(
            languages=tuple(folded),
            serbian_script=serbian_script,
            vocabulary=words,
            beam_size=beam_size,
            batch_size=batch_size,
            temperatures=temperatures,
        )
