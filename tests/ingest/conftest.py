"""Fixtures of the ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.utils.speech import bilingual_dialogue, synthesize_session


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About a minute of Albanian and Serbian speech with short pauses (espeak-ng)."""
    folder = tmp_path_factory.mktemp("speech")
    session = synthesize_session(bilingual_dialogue(14), folder / "session.wav", pause_s=0.4)
    assert session.duration_s > 50
    return session.path
