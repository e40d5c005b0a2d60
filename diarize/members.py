"""Members' voiceprints: enrolment from a sample, naming session speakers, learning from review.

A voiceprint lives in the embedding space of the encoder that made it (the diarizer's
``voice_space``), and is stored with that name: a voiceprint of another encoder is never
compared with a session's speakers; enrol the members again after switching.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from diarize.audio import Waveform, concatenated, load_any
from diarize.backend import Diarizer
from diarize.embedding import normalised
from diarize.options import ENCODER_THRESHOLDS, DiarizeOptions
from diarize.vad import speech_regions
from kuvend.domain import SAMPLE_RATE_HZ, Embedding, Member, SpeakerTurn
from kuvend.errors import MediaError

log = logging.getLogger(__name__)

#: Shortest and longest speech an enrolment sample may give (the rest is ignored).
MIN_ENROL_SPEECH_S = 10.0
MAX_ENROL_SPEECH_S = 60.0
#: Reviewed speech beyond this stops moving a voiceprint further: old evidence keeps a say.
MAX_VOICEPRINT_S = 600.0


@dataclass(frozen=True, slots=True)
class Voiceprint:
    """A member's voice embedding and how many seconds of speech it was made from."""

    embedding: Embedding
    speech_s: float


def enrol_voice(
    path: Path,
    diarizer: Diarizer,
    *,
    min_speech_s: float = MIN_ENROL_SPEECH_S,
    max_speech_s: float = MAX_ENROL_SPEECH_S,
) -> Voiceprint:
    """A voiceprint from a sample of speech (any audio format ffmpeg reads).

    Only speech counts (Silero VAD): a sample with less than ``min_speech_s`` seconds of it is
    refused with a one-line reason; beyond ``max_speech_s`` the rest is not used. A sample
    that sounds like two people is refused too (``MediaError``, ``_check_one_voice``).
    """
    samples = load_any(path)
    spans = speech_regions(samples, DiarizeOptions())
    speech_s = sum(end - start for start, end in spans)
    if speech_s < min_speech_s:
        raise MediaError(
            f"voice sample {path.name} has {speech_s:.1f} s of speech; "
            f"at least {min_speech_s:.0f} s is needed"
        )
    speech = concatenated(samples, spans)[: int(max_speech_s * SAMPLE_RATE_HZ)]
    _check_one_voice(path, speech, diarizer)
    return Voiceprint(diarizer.embed(speech), min(speech_s, max_speech_s))


def _check_one_voice(path: Path, speech: Waveform, diarizer: Diarizer) -> None:
    """``MediaError`` where the two halves of a sample's speech lie further apart than linking
    would join (the encoder's ``link_threshold``): the member's voice and someone else's, such
    as the chair introducing them, would make a print of neither.

    Skipped for a voice space without calibrated thresholds (pyannote's). On ParlaSpeech
    clips of one MP (29 clips of 10 s or more) the halves lie at most 0.17 (d-vector), 0.20
    (CAM++), 0.12 (Resemblyzer) apart, under 0.4, 0.4 and 0.2; 8 s of one MP then 8 s of
    another (60 random pairs) lie from 0.26, 0.54, 0.20 apart.
    """
    if diarizer.voice_space not in ENCODER_THRESHOLDS:
        return
    limit = DiarizeOptions.for_encoder(diarizer.voice_space).link_threshold
    half = len(speech) // 2
    distance = 1.0 - float(diarizer.embed(speech[:half]) @ diarizer.embed(speech[half:]))
    if distance > limit:
        raise MediaError(
            f"voice sample {path.name} sounds like more than one person (its two halves are "
            f"{distance:.2f} apart, over {limit:.2f}); use a sample of the member speaking alone"
        )


def embed_voice(path: Path, diarizer: Diarizer | None = None) -> Embedding:
    """The voiceprint of a 10-60 s sample, in ``diarizer``'s space (default: the embedded one)."""
    if diarizer is None:
        from diarize.embedded import EmbeddedDiarizer

        diarizer = EmbeddedDiarizer()
    return enrol_voice(path, diarizer).embedding


def voiceprint_from_turns(
    samples: Waveform, turns: Iterable[SpeakerTurn], diarizer: Diarizer
) -> Voiceprint:
    """A voiceprint from a session's reviewed turns of one speaker (``samples``: the session)."""
    spans = [(turn.start_s, turn.end_s) for turn in turns]
    speech = concatenated(samples, spans)
    if len(speech) == 0:
        raise MediaError("no reviewed speech to learn the voice from")
    return Voiceprint(diarizer.embed(speech), len(speech) / SAMPLE_RATE_HZ)


def updated_voiceprint(
    current: Voiceprint, reviewed: Voiceprint, *, max_speech_s: float = MAX_VOICEPRINT_S
) -> Voiceprint:
    """``current`` moved towards ``reviewed``, each weighted by its seconds of speech.

    The weight of what is already known is capped at ``max_speech_s``, so that a voice that
    changes (a cold, a new microphone) is followed over a few sessions.
    """
    if current.embedding.shape != reviewed.embedding.shape:
        # Another encoder's print (their dimensions differ): nothing in it can be kept.
        return reviewed
    known_s = min(current.speech_s, max_speech_s)
    mixed = current.embedding * known_s + reviewed.embedding * reviewed.speech_s
    return Voiceprint(normalised(mixed), known_s + reviewed.speech_s)


#: Cosine similarity a speaker's centroid must reach to be named after a member, per encoder.
#: Calibrated with ``bench/diarization.py --calibrate`` on 12 espeak-ng voices, none of them
#: a voice of the tests (enrolment from four sentences vs the diarized centroid of two
#: others). d-vector: genuine pairs from 0.955, impostors up to 0.931 (espeak variants that
#: differ in pitch only); the middle of the gap, 0.943, is taken (a re-run at the version
#: that added CAM++: gap 0.923-0.948, 0.943 still inside). CAM++: genuine
#: from 0.925, impostors up to 0.881; the middle, 0.903, is taken. Resemblyzer: genuine
#: from 0.968, impostors up to 0.946; 0.95 lies inside its gap. pyannote's space is not
#: calibrated here (no pretrained weights on this machine): 0.95 is cautious. A synthesiser
#: repeats a voice exactly; people do not, so an assembly should re-check it on its own
#: reviewed sessions. Too high leaves speakers unnamed for the reviewer to name, which is
#: the safe side; a wrong name would be published.
IDENTIFY_THRESHOLDS: dict[str, float] = {"dvector": 0.943, "campplus": 0.903, "resemblyzer": 0.95}
DEFAULT_IDENTIFY_THRESHOLD = 0.95
"""For an encoder not in ``IDENTIFY_THRESHOLDS``."""


def identify_speakers(
    centroids: Mapping[str, Embedding],
    members: Sequence[Member],
    *,
    voice_space: str,
    threshold: float | None = None,
) -> dict[str, str]:
    """Session label -> member id, for speakers whose voice matches one enrolled member.

    Only voiceprints made in ``voice_space`` (the diarizer's encoder) are compared; a member
    enrolled with another encoder, or whose encoder is unknown, is left out and must be
    enrolled again (a warning says how many). Each member names at most one speaker and each
    speaker at most one member: the pairs are chosen together to maximise total similarity
    (a member who spoke twice as two speakers names the closer one; the other stays unnamed
    for the reviewer), and a pair below ``threshold`` (default: the encoder's calibrated
    one) is left unnamed rather than guessed.
    """
    if threshold is None:
        threshold = IDENTIFY_THRESHOLDS.get(voice_space, DEFAULT_IDENTIFY_THRESHOLD)
    with_print = [member for member in members if member.voiceprint is not None]
    enrolled = [member for member in with_print if member.voice_space == voice_space]
    if len(enrolled) < len(with_print):
        log.warning(
            "%d member voiceprints were made with another speaker encoder than %s and are "
            "not compared; enrol those members again",
            len(with_print) - len(enrolled),
            voice_space,
        )
    labels = list(centroids)
    # A print labelled with this space but of another size (stored wrongly) is never compared:
    # it cannot be, and one bad row must not stop every session of the assembly.
    size = len(centroids[labels[0]]) if labels else 0
    fitting = [m for m in enrolled if m.voiceprint is not None and len(m.voiceprint) == size]
    if labels and len(fitting) < len(enrolled):
        log.warning(
            "%d member voiceprints labelled %s have another size than its embeddings and are "
            "not compared; enrol those members again",
            len(enrolled) - len(fitting),
            voice_space,
        )
        enrolled = fitting
    if not enrolled or not labels:
        return {}
    speakers = np.stack([centroids[label] for label in labels])
    prints = np.stack([member.voiceprint for member in enrolled if member.voiceprint is not None])
    similarity = speakers @ prints.T
    rows, columns = linear_sum_assignment(-similarity)
    return {
        labels[row]: enrolled[column].id
        for row, column in zip(rows, columns, strict=True)
        if similarity[row, column] >= threshold
    }
