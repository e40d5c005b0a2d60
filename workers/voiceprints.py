"""Voiceprints that learn from review (issue 4, opt-in per assembly).

When a reviewer names a session's speaker as a member, the speaker's centroid (the diarizer's
embedding of that speaker's turns in the session, weighted by their seconds) is what the member
sounds like in this room, on this microphone. If the assembly has opted in, the member's
voiceprint moves towards it, each side weighted by its seconds of speech
(``diarize.updated_voiceprint``), so that the next session names the member more surely.
"""

from __future__ import annotations

import logging

import diarize
from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.members import learns_voiceprints, load_voiceprint, save_voiceprint
from kuvend.storage.segments import load_speakers
from kuvend.storage.sessions import get_session

log = logging.getLogger(__name__)


def voice_space(settings: Settings) -> str:
    """The embedding space of the configured diarizer's centroids (its ``voice_space``)."""
    return "pyannote" if settings.diarizer == "pyannote" else settings.speaker_encoder


def learn_from_naming(*, settings: Settings, session_id: str, label: str, member_id: str) -> bool:
    """Refine ``member_id``'s voiceprint from speaker ``label`` of the session; True if it did.

    Nothing changes when the assembly has not opted in, or the speaker has no centroid. A member
    without a voiceprint is enrolled from the speaker's turns.
    """
    with session_scope(settings.resolved_database_url) as db:
        assembly = get_session(session=db, session_id=session_id).assembly_slug
        if not learns_voiceprints(session=db, assembly=assembly):
            return False
        speaker = next(
            (s for s in load_speakers(session=db, session_id=session_id) if s.label == label),
            None,
        )
        if speaker is None or speaker.centroid is None or speaker.seconds <= 0:
            return False
        reviewed = diarize.Voiceprint(speaker.centroid, speaker.seconds)
        # A voiceprint from another encoder is not comparable: the reviewed speech replaces it.
        space = voice_space(settings)
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
    return True
