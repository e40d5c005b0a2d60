"""Recognition run again on the same audio gives every segment the id it had.

Links to a moment (``#seg-…``), revisions and a reviewer's open editor name segments by id: a
re-run (a worker retried, a session reprocessed after a model fix) must not renumber them.
Real models and ffmpeg, in-process, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.storage.artifacts import delete_artifacts
from kuvend.storage.db import migrate, session_scope
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from tests.workers.conftest import new_session
from workers import steps
from workers.engines import load_engines


@pytest.fixture
def config(settings: Settings) -> Settings:
    config = settings.model_copy(update={"chunk_seconds": 4.0, "whisper_temperatures": (0.0,)})
    migrate(config.resolved_database_url)
    return config


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rerun-speech")
    return synthesize_session(bilingual_dialogue(3), folder / "session.wav", pause_s=0.4).path


def _lines(minutes: Minutes) -> list[tuple[str, float, float, str]]:
    return [(s.id, s.start, s.end, s.text) for s in minutes.segments]


def test_recognition_run_again_keeps_every_segment_id(config: Settings, speech: Path) -> None:
    session_id = new_session(config, speech, title="Seanca e përsëritur")
    chunk_count = steps.ingest_session(settings=config, session_id=session_id)
    assert chunk_count >= 2  # ids must hold across chunk boundaries too
    engines = load_engines(config)
    first = steps.finalize_session(settings=config, engines=engines, session_id=session_id)
    assert len(first.segments) >= 3

    # Forget every stored recognition result: the next finalize decodes the audio again.
    with session_scope(config.resolved_database_url) as db:
        forgotten = sum(
            delete_artifacts(session=db, session_id=session_id, stage=stage)
            for stage in ("transcribe", "diarize")
        )
    assert forgotten >= 2 * chunk_count
    again = steps.finalize_session(settings=config, engines=engines, session_id=session_id)

    assert _lines(again) == _lines(first)
