"""The diarization stage's options: one frozen record, every default in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kuvend.config import Settings

#: The backends ``get_diarizer`` knows.
BACKENDS = ("embedded", "pyannote")

#: Per speaker encoder: (change, local and link thresholds, min speaker seconds), chosen on the
#: tuning part of ``bench/diarization.py`` (see ``DiarizeOptions``).
ENCODER_THRESHOLDS: dict[str, tuple[float, float, float, float]] = {
    "dvector": (0.2, 0.2, 0.4, 1.0),
    "campplus": (0.1, 0.1, 0.4, 1.0),
    "resemblyzer": (0.1, 0.2, 0.2, 2.0),
}


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """How speech is found, embedded, cut at speaker changes, clustered and linked.

    Cosine *distances* (1 - cosine similarity) between L2-normalised embeddings are used
    throughout. The thresholds depend on the speaker encoder (``for_encoder``); the defaults
    here are the d-vector encoder's. They were chosen on a grid (change 0.2-0.3 x local 0.1-0.3
    x link 0.2-0.5, min speaker 1 s) by mean DER (0.25 s collar) on the *tuning* part of
    ``bench/diarization.py`` only (``bench/diarization_sets.py``: AMI dev00/dev01, ParlaSpeech
    turn-taking sessions of 3 and 5 people, synthetic 3- to 6-voice sessions whose clips and
    voices no report file uses). d-vector: change 0.2 with local 0.1-0.2 and link 0.4-0.45 tied
    at 16.4 % (change 0.3, local 0.3, the earlier choice: 16.6 %; link 0.35: 17.9 %; link 0.5:
    18.8 %); the lower link was taken. The tuning twins of the synthetic 5- and 6-voice sessions
    first named espeak-ng variants that do not exist (``sq+Adam`` for ``sq+adam``: one default
    voice four times); re-scored with real variants, the d-vector's tuning mean is 9.8 % at
    these thresholds, still the best of link 0.3/0.35/0.4 (16.9/11.2/9.8 %). The single-option
    figures quoted below (fill, distinct) predate that correction. CAM++: best 14.9 % at change
    and local 0.05-0.1 with link 0.4, among 35 settings (change and local 0.05-0.4 x link
    0.3-0.7); it keeps every synthetic voice apart there but splits AMI dev00's 2 speakers into
    7, and at link 0.5 and above it merges the synthetic twins again (16.8 %); the d-vector
    stays the default. A rule keeping apart two local speakers of one chunk that each spoke 4 s
    or more outside overlapped speech lowered the d-vector's tuning mean to 6.0 % and found the
    synthetic report sessions' 5 and 6 voices, but was withdrawn: it split single ParlaSpeech
    MPs (one clip, one person) into 2 to 5 speakers, 2 of 24 clips, where none is split without
    it. Resemblyzer's best on the earlier tuning part was 18.5 % (change 0.1, local and link
    0.2, 1 s); it keeps issue 4's 2 s minimum speaker, which its naming test needs. Spectral
    clustering with an eigengap over the same segments did worse (17-25 %). The report part (AMI
    tst*, pyannote's sample, the other ParlaSpeech sessions, synthetic 5-6 voices) was not used
    to choose. pyannote's backend uses the same linking.
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

    fill_threshold: float | None = 0.5
    """Segmentation-3.0's speech probability (mean over windows) above which speech Silero
    missed, next to a speaker's speech, is given to that speaker (``diarize.fill``; None: not
    filled). Chosen among 0.3/0.5/0.7/0.9 and none by mean DER on the tuning part only:
    16.2 % without, 14.5 % at 0.5 (AMI dev00 20.3 -> 4.9 %, dev01 7.0 -> 9.8 %), 15.5 % at
    0.7, 15.1 % at 0.9. Used only where segmentation is (``KUVEND_OVERLAP_DETECTION``)."""

    window_step_s: float = 0.8
    """Step between the 1.6 s embedding windows inside a region; each window labels one step."""
    change_threshold: float = 0.2
    """Cosine distance across a boundary above which the speaker changes there
    (``diarize.segmentation``); windows between changes are clustered as one segment."""
    local_threshold: float = 0.2
    """Average-linkage distance below which windows of one chunk are one local speaker.

    Strict on purpose: splitting a speaker locally is repaired by linking, merging two is not.
    """
    link_threshold: float = 0.4
    """Average-linkage distance below which local speakers (centroids) are one session speaker."""
    min_speaker_s: float = 1.0
    """A speaker with less speech than this, in a chunk or in the session, is folded into the
    nearest other speaker: one 0.8 s step (often the padded end of a region, or the tail of a
    turn cut by a chunk boundary) is too noisy an estimate to stand for a person. The cost:
    an interjection shorter than this goes to a neighbouring speaker of its chunk."""
    merge_gap_s: float = 1.0
    """Consecutive pieces of one speaker separated by at most this much silence form one turn."""

    overlap_step_s: float = 2.5
    """Seconds between the starts of segmentation-3.0's 10 s windows, for overlap and for the
    stretches kept apart (each frame is seen by four windows). Against 1 s, pyannote's
    default, it costs 0.010 instead of 0.023 CPU-seconds per second of audio and scored within
    a few points on the tuning files."""
    overlap_threshold: float = 0.3
    """Overlap probability (mean over windows) above which a frame is overlapped speech.
    Chosen among 0.3/0.5/0.7 on AMI dev00/dev01 only, for recall (dev01 precision 0.82,
    recall 0.26 here; 0.5 finds 0.11); ``bench/overlap.py`` reports the rest."""
    overlap_min_s: float = 0.1
    """Shorter stretches of overlap are dropped."""
    distinct_min_frames: int = 150
    """Frames (16.875 ms; 150 is 2.5 s) of one segmentation window a speech segment must cover
    before segmentation may call it a different person from another (``diarize.constraints``)."""
    distinct_dominance: float = 0.9
    """Share of such a segment's single-speaker frames that one window-local speaker must hold.
    With 150 frames it was the only setting tried (0.7 or 0.9 with 30, 90 or 150 frames) that
    did not raise the tuning part's mean DER (16.2 %, as without); with fewer frames AMI dev01
    and the ParlaSpeech sessions were split into too many speakers."""
    cross_check_s: float | None = 4.0
    """Seconds a local speaker of a chunk must speak outside overlapped speech before the
    second encoder (CAM++, for the d-vector diarizer) is asked whether it and another such
    speaker are different people, and seconds one segment of a local speaker must hold before
    it is asked whether that segment is the speaker's other segments' voice (None: never
    asked; ``diarize.constraints``)."""
    cross_check_distance: float = 0.35
    """The second encoder's cosine distance above which two such speakers are different
    people, whatever linking's threshold would join. Chosen on the tuning part only, d-vector
    at the thresholds above: every setting of 3/4/5 s x 0.25-0.4 except (3 s, 0.25) gives a
    mean DER of 6.0 % (9.8 % without the check), AMI dev00/dev01 and the ParlaSpeech sessions
    unchanged; 0.45 gives 7.9 %, (3 s, 0.25) 7.1 % (dev00 split into 3). The middle of that
    plateau was taken. A rule without the second encoder (two local speakers of 4 s or more
    apart by that alone) split single ParlaSpeech MPs and was withdrawn. The split of a local
    speaker whose long segments lie this far apart (``split_by_checker``) reuses both settings
    unchanged: at 4 s it never fires on the tuning part. With the split, the grid again (2.5 /
    2.75 / 3 / 3.25 / 3.5 / 4 s x 0.25 / 0.3 / 0.35, ``bench/diarization.py --part tune
    --cross-check-s S --cross-check-distance D``): 3.5-4 s give 6.0 % throughout; 3 s gives
    4.4 % (the 5-voice tuning twin found whole) but 2.75 s splits AMI dev00 into 3 speakers
    (8.3 %) and 3.25 s loses the twin again (6.0 %). One setting between two that fail is a
    fit to one segment, not a plateau: 4 s stays."""
    second_voice_gap_s: float = 5.0
    """The other voice of an overlapped stretch is the nearest other speaker in time, if one
    spoke within this many seconds of it (``diarize.overlap.second_voices``)."""
    overlap_mark_s: float = 0.5
    """A segment is marked ``overlap`` when at least this much of it is overlapped speech: a
    short acknowledgement over a speaker ("mhm") does not make the text doubtful."""

    @classmethod
    def for_encoder(cls, encoder: str, **changes: Any) -> DiarizeOptions:
        """Options with ``encoder``'s calibrated thresholds (see ``ENCODER_THRESHOLDS``)."""
        change, local, link, min_speaker = ENCODER_THRESHOLDS.get(
            encoder, ENCODER_THRESHOLDS["dvector"]
        )
        return cls(
            **{
                "change_threshold": change,
                "local_threshold": local,
                "link_threshold": link,
                "min_speaker_s": min_speaker,
                **changes,
            }
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> DiarizeOptions:
        """Options for the configured encoder, with the operator's speaker-count bounds."""
        return cls.for_encoder(
            settings.speaker_encoder,
            min_speakers=settings.min_speakers,
            max_speakers=settings.max_speakers,
        )

    def __post_init__(self) -> None:
        if self.cross_check_s is not None and self.cross_check_s <= 0:
            raise ValueError(f"cross_check_s must be positive seconds, not {self.cross_check_s}")
        if (
            self.min_speakers is not None
            and self.max_speakers is not None
            and self.min_speakers > self.max_speakers
        ):
            raise ValueError(
                f"min_speakers ({self.min_speakers}) exceeds max_speakers ({self.max_speakers})"
            )
