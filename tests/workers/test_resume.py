"""An API process killed mid-task: the next start of the API finishes what it left (embedded mode).

The database and folders are left as a killed API leaves them: an uploaded session
``processing``, cut into chunks, its first chunk's transcript stored; a recording whose
recorder died with the process (``recording``, chunks and ``recording.json`` on disk, not all
chunks in the database yet); and a session ``processing`` in another process (``kuvend
process``: no mark of the API's), which must be left alone. The app's startup hook resumes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import ingest
from ingest.manifest import write_manifest
from kuvend.config import Settings
from kuvend.domain import Segment
from kuvend.storage.chunks import load_chunks, load_progress, save_chunks
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.segments import load_segments
from kuvend.storage.sessions import get_session
from kuvend.storage.tables import ArtifactRow
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from search_api.app import create_app
from tests.workers.conftest import new_session
from workers import steps
from workers.actions import PipelineActions
from workers.background import mark_embedded
from workers.engines import load_engines

#: The stored transcript of the interrupted session's first chunk says this, which the models
#: would never say: finding it in the draft shows that the stored result was reused.
REUSED = "Teksti i ruajtur më parë"

TITLE = "Seanca e ndërprerë"


@pytest.fixture
def config(settings: Settings) -> Settings:
    config = settings.model_copy(update={"chunk_seconds": 2.0, "whisper_temperatures": (0.0,)})
    migrate(config.resolved_database_url)
    return config


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume-speech")
    return synthesize_session(bilingual_dialogue(2), folder / "session.wav", pause_s=0.4).path


def _interrupted_upload(config: Settings, speech: Path) -> str:
    """Cut into chunks and its first chunk transcribed, when the API was killed."""
    session_id = new_session(config, speech, title=TITLE)
    mark_embedded(config, session_id)
    chunk_count = steps.ingest_session(settings=config, session_id=session_id)
    assert chunk_count >= 3
    steps.transcribe_chunk_step(
        settings=config,
        engines=load_engines(config),
        session_id=session_id,
        chunk_index=0,
    )
    with session_scope(config.resolved_database_url) as db:
        (artifact,) = db.scalars(
            select(ArtifactRow).where(ArtifactRow.key.like(f"{session_id}:0:transcribe:%"))
        )
        marked = Segment(0.6, 1.8, REUSED, "sq", 1.0, chunk_index=0)
        artifact.payload = {"segments": [marked.to_dict()]}
    return session_id


def _interrupted_recording(config: Settings, speech: Path) -> tuple[str, int]:
    """A recorder that died after four chunks, the last not yet in the database."""
    session_id = new_session(config, None, title=TITLE, status="recording")
    mark_embedded(config, session_id)
    folder = steps.work_dir(config, session_id)
    options = ingest.IngestOptions(chunk_s=2.0, cut_search_s=0.0)
    chunks = ingest.cut_audio(ingest.probe_media(speech), folder / "chunks", options).chunks
    recording = ingest.Recording(
        url="srt://127.0.0.1:9000?mode=caller",
        started_at=datetime.now(UTC),
        chunks=tuple(chunks[:4]),
        gaps=(),
        parts=(),
    )
    write_manifest(recording, folder / "recording.json")
    with session_scope(config.resolved_database_url) as db:
        save_chunks(session=db, session_id=session_id, chunks=chunks[:3])
    return session_id, 4


def _status(config: Settings, session_id: str) -> str:
    with session_scope(config.resolved_database_url) as db:
        return get_session(session=db, session_id=session_id).status


@pytest.mark.slow
def test_the_next_api_start_finishes_what_a_killed_one_left(config: Settings, speech: Path) -> None:
    upload = _interrupted_upload(config, speech)
    recorded, recorded_chunks = _interrupted_recording(config, speech)
    elsewhere = new_session(
        config, speech, title=TITLE, status="processing"
    )  # `kuvend process`, still at work

    # At scale nothing is resumed by the API: the queue redelivers its own unfinished tasks.
    queue_mode = config.model_copy(update={"processing": "queue"})
    assert PipelineActions(queue_mode).resume_interrupted() == []

    actions = PipelineActions(config)
    app = create_app(config, actions=actions, on_startup=[actions.resume_interrupted])
    with TestClient(app):
        deadline = time.monotonic() + 300
        while {_status(config, s) for s in (upload, recorded)} - {"draft", "failed"}:
            assert time.monotonic() < deadline, "the interrupted sessions were not finished"
            time.sleep(0.5)

    with session_scope(config.resolved_database_url) as db:
        progress = load_progress(session=db, session_id=upload)
        texts = [s.text for s in load_segments(session=db, session_id=upload)]
        chunks = load_chunks(session=db, session_id=recorded)
        recorded_row = get_session(session=db, session_id=recorded)
        recorded_segments = load_segments(session=db, session_id=recorded)
    assert (progress.status, progress.error) == ("draft", None)
    assert {chunk.state for chunk in progress.chunks} == {"done"}
    assert REUSED in texts  # chunk 0 was not transcribed again
    assert len(texts) > 1  # the chunks after it were

    assert (recorded_row.status, recorded_row.error) == ("draft", None)
    assert len(chunks) == recorded_chunks  # the one missing from the database was added
    assert recorded_row.duration_s == pytest.approx(chunks[-1].end_s)
    assert recorded_segments
    player = ingest.probe_media(steps.work_dir(config, recorded) / steps.PLAYER_AUDIO)
    assert player.duration_s == pytest.approx(recorded_row.duration_s, abs=0.2)

    assert _status(config, elsewhere) == "processing"


def test_an_interrupted_recording_with_nothing_kept_fails_saying_so(
    config: Settings, database_url: str
) -> None:
    config = config.model_copy(update={"database_url": database_url})
    session_id = new_session(config, None, title=TITLE, status="stopping")
    mark_embedded(config, session_id)
    actions = PipelineActions(config)
    assert actions.resume_interrupted() == [session_id]
    deadline = time.monotonic() + 30
    while _status(config, session_id) != "failed":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with session_scope(config.resolved_database_url) as db:
        error = get_session(session=db, session_id=session_id).error
    assert error == "the recorder stopped before anything was kept"
