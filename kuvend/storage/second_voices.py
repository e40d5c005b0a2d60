"""Who else spoke where two people spoke at once: a session's second voices, as stored.

Each function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``session_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kuvend.domain import SpeakerTurn
from kuvend.storage.tables import SecondVoiceRow


def replace_second_voices(
    *, session: Session, session_id: str, voices: Iterable[SpeakerTurn]
) -> int:
    """Replace the session's second voices (times in seconds on the session clock)."""
    session.execute(delete(SecondVoiceRow).where(SecondVoiceRow.session_id == session_id))
    rows = [
        SecondVoiceRow(
            session_id=session_id,
            start_s=voice.start_s,
            end_s=voice.end_s,
            speaker_label=voice.speaker,
        )
        for voice in voices
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def load_second_voices(*, session: Session, session_id: str) -> list[SpeakerTurn]:
    """The session's second voices in time order (none for a session recognised before)."""
    rows = session.scalars(
        select(SecondVoiceRow)
        .where(SecondVoiceRow.session_id == session_id)
        .order_by(SecondVoiceRow.start_s)
    )
    return [SpeakerTurn(row.start_s, row.end_s, row.speaker_label) for row in rows]
