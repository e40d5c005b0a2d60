"""``PipelineActions`` beyond review and publishing: uploads, background processing, voices.

On SQLite and PostgreSQL, with real ffmpeg. The full run of an upload through the models is in
``tests/search_api/routes/test_uploads.py``; here are the rules around it: what is refused and
what is left behind, and how a failure in the background reaches the session's progress.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kuvend.config import Settings
from kuvend.errors import ConflictError, MediaError, NotFoundError
from kuvend.storage.chunks import load_progress
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore
from kuvend.storage.sessions import SessionStatus, create_session, ensure_assembly
from kuvend.storage.tables import MemberRow, SessionRow
from tests.utils.media import tone
from workers.actions import PipelineActions
from workers.background import process_session


@pytest.fixture
def config(settings: Settings, database_url: str) -> Settings:
    return settings.model_copy(update={"database_url": database_url, "chunk_seconds": 2.0})


def new_session(config: Settings, status: SessionStatus = "scheduled") -> str:
    with session_scope(config.resolved_database_url) as db:
        row = create_session(
            session=db, assembly="prishtine", title="Seanca", date=date(2024, 6, 3), status=status
        )
        return row.id


def media_files(config: Settings) -> list[Path]:
    root = config.resolved_media_dir
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_upload_is_refused_unless_the_session_waits_for_one(
    config: Settings, tmp_path: Path
) -> None:
    actions = PipelineActions(config)
    sample = tone(tmp_path / "seanca.wav", 2.0)
    for status in ("recording", "draft", "published"):
        session_id = new_session(config, status)
        with pytest.raises(ConflictError, match=f"is {status}: .* only into a scheduled"):
            actions.process_upload(session_id=session_id, path=sample, filename="seanca.wav")
    with pytest.raises(NotFoundError):
        actions.process_upload(session_id="missing", path=sample, filename="seanca.wav")
    assert media_files(config) == []


def test_a_refused_upload_names_the_users_file_and_stores_nothing(
    config: Settings, tmp_path: Path
) -> None:
    staged = tmp_path / "upload-k3j4h5"  # the API's private name for what it received
    staged.write_text("not a recording")
    session_id = new_session(config)
    with pytest.raises(MediaError) as refused:
        PipelineActions(config).process_upload(
            session_id=session_id, path=staged, filename="Seanca 3.mp4"
        )
    assert str(refused.value).startswith("Seanca 3.mp4 is not a media file")
    assert "upload-k3j4h5" not in str(refused.value)
    assert media_files(config) == []
    with session_scope(config.resolved_database_url) as db:
        row = db.get(SessionRow, session_id)
        assert row is not None and (row.status, row.media_path) == ("scheduled", None)


def test_a_failure_in_the_background_fails_the_session_with_one_line(
    config: Settings, tmp_path: Path
) -> None:
    # The models cannot be found: ingest has cut the chunks, then loading the model fails.
    broken = config.model_copy(update={"whisper_model": str(tmp_path / "no-such-model")})
    stored = MediaStore(broken.resolved_media_dir).add_file(tone(tmp_path / "seanca.wav", 5.0))
    session_id = new_session(broken, "queued")
    with session_scope(broken.resolved_database_url) as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        row.media_path = str(stored.path)  # as an accepted upload leaves it
    process_session(broken, session_id)  # what the background thread runs; it never raises
    with session_scope(broken.resolved_database_url) as db:
        progress = load_progress(session=db, session_id=session_id)
    assert progress.status == "failed"
    assert progress.error is not None and "\n" not in progress.error
    assert "no-such-model" in progress.error
    # Ingest writes no chunk of sound before the first speech, so a tone leaves one chunk.
    assert len(progress.chunks) >= 1 and {c.state for c in progress.chunks} == {"queued"}

    # The recording disappears from the store after it was accepted: the session says so.
    session_id = new_session(config, "queued")
    with session_scope(config.resolved_database_url) as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        row.media_path = str(tmp_path / "gone.wav")
    process_session(config, session_id)
    with session_scope(config.resolved_database_url) as db:
        progress = load_progress(session=db, session_id=session_id)
    assert (progress.status, progress.error) == ("failed", f"file not found: {tmp_path}/gone.wav")


def test_enrolling_needs_a_known_member_and_audio(config: Settings, tmp_path: Path) -> None:
    actions = PipelineActions(config)
    sample = tone(tmp_path / "zeri.wav", 1.0)
    with pytest.raises(NotFoundError, match="member nobody not found"):
        actions.enrol_voice(member_id="nobody", path=sample, filename="zeri.wav")
    with session_scope(config.resolved_database_url) as db:
        ensure_assembly(session=db, slug="prishtine")
        row = MemberRow(assembly_slug="prishtine", name="Arben Krasniqi")
        db.add(row)
        db.flush()
        member_id = row.id
    staged = tmp_path / "upload-x1"
    staged.write_text("jo audio")
    with pytest.raises(MediaError, match=r"^Arben\.m4a is not a media file"):
        actions.enrol_voice(member_id=member_id, path=staged, filename="Arben.m4a")
    # A tone is audio but not speech: the voice activity detector finds too little.
    with pytest.raises(MediaError, match="at least 10 s is needed"):
        actions.enrol_voice(member_id=member_id, path=sample, filename="zeri.wav")
