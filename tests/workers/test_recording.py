"""Recording through the API: ``PipelineActions`` runs ``record_session`` on a thread of the API.

A secretariat schedules a session, starts its recording on a real SRT stream served by ffmpeg
on loopback, stops it through the API, and finds a draft with the recorded chunks, their
transcript and the player's audio. What the API refuses (a session that is not scheduled, a
second recorder, recording at scale) is checked without a stream.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest import probe_media
from kuvend.config import Settings
from kuvend.errors import ConflictError
from kuvend.storage.chunks import load_chunks
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.segments import load_segments
from kuvend.storage.sessions import create_session, ensure_assembly, get_session
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from search_api import security
from search_api.accounts import create_user
from search_api.app import create_app
from tests.ingest.test_record import _SERVED, _ffmpeg_server
from tests.utils.streams import free_port
from workers.actions import PipelineActions

EMAIL = "sekretaria@prishtine.example"
PASSWORD = "fjalëkalim i gjatë mjaftueshëm"


def _prepared(settings: Settings) -> Settings:
    """Short chunks, and the secretariat of prishtine in the database."""
    config = settings.model_copy(
        update={"chunk_seconds": 2.0, "password_hash_memory_kib": 1024, "min_free_disk_bytes": 0}
    )
    migrate(config.resolved_database_url)
    with session_scope(config.resolved_database_url) as db:
        ensure_assembly(session=db, slug="prishtine")
        create_user(
            session=db,
            email=EMAIL,
            password_hash=security.hash_password(PASSWORD, memory_kib=1024),
            assembly="prishtine",
        )
    return config


@pytest.fixture
def config(settings: Settings) -> Settings:
    return _prepared(settings)


class _Secretariat:
    """The API's client, signed in as the secretariat of prishtine."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        token = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def schedule(self) -> str:
        response = self.client.post(
            "/api/v1/assemblies/prishtine/sessions",
            json={"title": "Seanca e drejtpërdrejtë", "date": "2025-03-14"},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def start(self, session_id: str, url: str) -> tuple[int, str]:
        response = self.client.post(
            f"/api/v1/sessions/{session_id}/recording/start",
            json={"stream_url": url},
            headers=self.headers,
        )
        return response.status_code, response.text

    def stop(self, session_id: str) -> tuple[int, str]:
        response = self.client.post(
            f"/api/v1/sessions/{session_id}/recording/stop", headers=self.headers
        )
        return response.status_code, response.text


@contextlib.contextmanager
def _api(config: Settings) -> Iterator[tuple[_Secretariat, PipelineActions]]:
    actions = PipelineActions(config)
    with TestClient(create_app(config, actions=actions)) as client:
        yield _Secretariat(client), actions


def _status(config: Settings, session_id: str) -> str:
    with session_scope(config.resolved_database_url) as db:
        return get_session(session=db, session_id=session_id).status


def _wait(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 20 s of Albanian and Serbian speech: more than the test listens to."""
    folder = tmp_path_factory.mktemp("live-speech")
    return synthesize_session(bilingual_dialogue(4), folder / "session.wav", pause_s=0.4).path


@pytest.mark.slow
def test_the_api_records_a_live_stream_into_a_draft(config: Settings, speech: Path) -> None:
    output, url = _SERVED["srt"](free_port())
    with _ffmpeg_server(speech, *output), _api(config) as (secretariat, actions):
        session_id = secretariat.schedule()
        try:
            assert secretariat.start(session_id, url)[0] == 202
            assert _status(config, session_id) == "recording"
            # One recorder per session: a second start is refused, the first goes on.
            status, body = secretariat.start(session_id, url)
            assert status == 409 and "only when scheduled (it is recording)" in body, body

            def chunks() -> int:
                with session_scope(config.resolved_database_url) as db:
                    return len(load_chunks(session=db, session_id=session_id))

            _wait(lambda: chunks() >= 3, 60, "three chunks")
            assert secretariat.stop(session_id)[0] == 202
        finally:
            with contextlib.suppress(ConflictError):  # never leave a recorder running
                actions.stop_recording(session_id=session_id)
        _wait(lambda: _status(config, session_id) in ("draft", "failed"), 300, "the draft")
        assert secretariat.stop(session_id)[0] == 409  # nothing is being recorded any more

    with session_scope(config.resolved_database_url) as db:
        row = get_session(session=db, session_id=session_id)
        assert (row.status, row.error) == ("draft", None)
        recorded = load_chunks(session=db, session_id=session_id)
        segments = load_segments(session=db, session_id=session_id)
    assert len(recorded) >= 3 and recorded[0].offset_s == 0.0
    for before, after in itertools.pairwise(recorded):
        assert after.offset_s == pytest.approx(before.end_s)
    assert row.duration_s == pytest.approx(recorded[-1].end_s, abs=1e-3)
    assert segments and any(segment.text.strip() for segment in segments)
    assert all(0.0 <= s.start_s < s.end_s <= row.duration_s + 0.5 for s in segments)
    player = probe_media(config.data_dir / "sessions" / session_id / "audio.m4a")
    assert player.duration_s == pytest.approx(row.duration_s, abs=0.2)
    draft = config.data_dir / "sessions" / session_id / "draft" / "minutes.json"
    assert draft.exists()


def test_the_api_records_only_scheduled_sessions_and_not_at_scale(
    settings: Settings, database_url: str
) -> None:
    config = _prepared(settings.model_copy(update={"database_url": database_url}))
    with _api(config) as (secretariat, _):
        with session_scope(config.resolved_database_url) as db:
            draft = create_session(
                session=db,
                assembly="prishtine",
                title="Seanca",
                date=date(2025, 3, 14),
                status="draft",
            ).id
        status, body = secretariat.start(draft, "srt://127.0.0.1:9?mode=caller")
        assert status == 409 and "only when scheduled (it is draft)" in body
        assert secretariat.stop(draft)[0] == 409
        assert _status(config, draft) == "draft"
        session_id = secretariat.schedule()

    # At scale the API runs no models: a recording machine records, told how.
    at_scale = PipelineActions(config.model_copy(update={"processing": "queue"}))
    with pytest.raises(ConflictError, match=f"kuvend record srt://x --session {session_id}"):
        at_scale.start_recording(session_id=session_id, stream_url="srt://x")
    assert _status(config, session_id) == "scheduled"
