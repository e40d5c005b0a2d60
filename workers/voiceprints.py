"""Voiceprints that learn from review (issue 4).

When a reviewer names a session's speaker as a member, the speaker's centroid (the diarizer's
embedding of that speaker's turns in the session, weighted by their seconds) is what the member
sounds like in this room, on this microphone. If the assembly has opted in, the member's
voiceprint moves towards it, each side weighted by its seconds of speech
(``diarize.updated_voiceprint``), so that the next session names the member more surely.
A reviewer can also ask for it explicitly ("enrol this voice" in the editor), whatever the
assembly's opt-in. ``enrol_from_sample`` makes a print from a recording instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import diarize
from kuvend import interrupts
from kuvend.config import Settings
from kuvend.errors import ConflictError, NotFoundError
from kuvend.storage.db import session_scope
from kuvend.storage.members import learns_voiceprints, load_voiceprint, save_voiceprint
from kuvend.storage.segments import load_speakers
from kuvend.storage.sessions import get_session

log = logging.getLogger(__name__)


def voice_space(settings: Settings) -> str:
    """The embedding space of the configured diarizer's centroids (its ``voice_space``)."""
    return "pyannote" if settings.diarizer == "pyannote" else settings.speaker_encoder


def enrol_from_sample(
    *, settings: Settings, diarizer: diarize.Diarizer, member_id: str, sample: Path
) -> diarize.Voiceprint:
    """Replace member ``member_id``'s voiceprint with ``diarizer``'s print of ``sample``
    (any audio format; 10-60 s of speech count, ``diarize.enrol_voice``), stored with the
    diarizer's voice space.

    Raises ``MediaError`` for a sample that cannot make a print, ``NotFoundError`` for an
    unknown member (check first: making the print is the slow part).
    """
    voiceprint = diarize.enrol_voice(sample, diarizer)
    interrupts.raise_if_stop_requested()  # a stop that landed in a library's cleanup
    with session_scope(settings.resolved_database_url) as db:
        save_voiceprint(
            session=db,
            member_id=member_id,
            embedding=voiceprint.embedding,
            speech_s=voiceprint.speech_s,
            voice_space=diarizer.voice_space,
        )
    return voiceprint


def learn_from_naming(
    *,
    settings: Settings,
    session_id: str,
    label: str,
    member_id: str | None = None,
    explicit: bool = False,
) -> float | None:
    """Refine a member's voiceprint from speaker ``label`` of the session.

    ``member_id``: the member the speaker was named as (by default, the one stored for the
    speaker). Returns the seconds of the speaker's speech it learnt from, or None when nothing
    changed: the assembly has not opted in, or the speaker has no centroid. A member without a
    voiceprint is enrolled from the speaker's turns.

    ``explicit``: a reviewer asked for it. The assembly's opt-in does not matter, and what
    stops it is an error: ``NotFoundError`` for an unknown session or speaker,
    ``ConflictError`` for a speaker not named as a member or with no voice measured, or whose
    voice was measured with another speaker encoder than the configured one (a session
    processed before a switch; learning from it would replace the print in use). Without
    ``explicit``, such a speaker changes nothing.
    """
    with session_scope(settings.resolved_database_url) as db:
        assembly = get_session(session=db, session_id=session_id).assembly_slug
        if not explicit and not learns_voiceprints(session=db, assembly=assembly):
            return None
        speaker = next(
            (s for s in load_speakers(session=db, session_id=session_id) if s.label == label),
            None,
        )
        if speaker is None:
            if explicit:
                raise NotFoundError(f"session {session_id} has no speaker {label}")
            return None
        member_id = member_id or speaker.member_id
        if member_id is None or speaker.centroid is None or speaker.seconds <= 0:
            if explicit:
                raise ConflictError(
                    f"speaker {label} is not named as a member"
                    if member_id is None
                    else f"no voice was measured for speaker {label} in this session"
                )
            return None
        space = voice_space(settings)
        if not _measured_in(speaker.voice_space, len(speaker.centroid), space):
            # Learning from it would replace the print sessions are named with now by one in
            # a space they no longer use.
            if explicit:
                raise ConflictError(
                    f"the voices of session {session_id} were measured with another speaker "
                    f"encoder ({speaker.voice_space or 'unrecorded'}) than the one in use "
                    f"({space}); process the session again, or enrol the member from a "
                    "voice sample"
                )
            log.info(
                "speaker %s of %s: measured in another voice space, not learnt", label, session_id
            )
            return None
        reviewed = diarize.Voiceprint(speaker.centroid, speaker.seconds)
        # A voiceprint from another encoder is not comparable: the reviewed speech replaces it.
        current = load_voiceprint(session=db, member_id=member_id, voice_space=space)
        learned = (
            reviewed
            if current is None
            else diarize.updated_voiceprint(diarize.Voiceprint(*current), reviewed)
        )
        save_voiceprint(
            session=db,
            member_id=member_id,
            embedding=learned.embedding,
            speech_s=learned.speech_s,
            voice_space=space,
        )
    log.info("member %s: voiceprint refined from %s in %s", member_id, label, session_id)
    return speaker.seconds


def _measured_in(recorded: str | None, size: int, space: str) -> bool:
    """Whether a centroid of ``size`` dimensions, measured in ``recorded`` (None: a session
    processed before it was recorded), lies in ``space``."""
    if recorded is not None:
        return recorded == space
    expected = diarize.EMBEDDING_SIZES.get(space)
    return expected is None or expected == size
