"""Synthetic speech for tests: the package's own synthesiser (``kuvend.synthetic``)."""

from kuvend.domain import SAMPLE_RATE_HZ as SAMPLE_RATE
from kuvend.synthetic import (
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ReferenceTurn,
    ScriptedTurn,
    SyntheticSession,
    bilingual_dialogue,
    require_tools,
    silence,
    speak,
    synthesize_session,
    wav_duration,
)

__all__ = [
    "ALBANIAN_SENTENCES",
    "SAMPLE_RATE",
    "SERBIAN_SENTENCES",
    "ReferenceTurn",
    "ScriptedTurn",
    "SyntheticSession",
    "bilingual_dialogue",
    "require_tools",
    "silence",
    "speak",
    "synthesize_session",
    "wav_duration",
]
