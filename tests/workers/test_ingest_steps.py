"""The ingest steps over the database (issue 15): what ``kuvend process`` asked is kept for the
ingest step, what it found reaches the draft minutes, and a failed session leaves no chunks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ingest
from kuvend.config import Settings
from kuvend.storage.db import session_scope
from publish import load_draft_minutes
from tests.utils.media import transport_stream_with_jump, video_with_tracks
from tests.utils.speech import ALBANIAN_SENTENCES, require_tools, speak
from workers import steps


@pytest.fixture
def sentence(tmp_path: Path) -> Path:
    require_tools()
    path = tmp_path / "sq.wav"
    speak(ALBANIAN_SENTENCES[1], "sq+m3", path)
    return path


def _session(settings: Settings, media: Path, **asked: object) -> str:
    steps.prepare_database(settings)
    return steps.create_session(
        settings=settings,
        media_path=media,
        assembly="demo",
        title="Seanca",
        session_date=date(2026, 11, 29),
        languages=("sq", "sr"),
        **asked,  # type: ignore[arg-type]
    )


def test_the_named_stream_and_the_streams_found_reach_the_minutes(
    settings: Settings, sentence: Path, tmp_path: Path
) -> None:
    video = video_with_tracks(tmp_path / "camera.mp4", 6.0, sentence, "anoisesrc=a=0.003:r=16000")
    session_id = _session(settings, video, audio_stream=1)
    assert steps.ingest_session(settings=settings, session_id=session_id) == 1
    with session_scope(settings.resolved_database_url) as db:
        minutes = load_draft_minutes(session=db, session_id=session_id)
    streams = minutes.session.audio_streams
    assert [(s.index, s.used) for s in streams] == [(0, False), (1, True)]
    assert (streams[0].speech_s or 0.0) > 2.0  # the speech was on a:0, yet a:1 was asked for
    assert minutes.session.duration_s == pytest.approx(6.0, abs=0.1)
    assert minutes.session.truncated is None


def test_a_jump_in_the_timestamps_is_a_gap_of_the_minutes(
    settings: Settings, sentence: Path, tmp_path: Path
) -> None:
    stream = transport_stream_with_jump(tmp_path / "tv.ts", sentence, sentence, 120.0)
    session_id = _session(settings, stream)
    steps.ingest_session(settings=settings, session_id=session_id)
    with session_scope(settings.resolved_database_url) as db:
        minutes = load_draft_minutes(session=db, session_id=session_id)
    (gap,) = minutes.session.gaps
    assert gap.reason == "timestamps"
    assert gap.end - gap.start == pytest.approx(120.0, abs=0.3)


def test_a_failed_session_leaves_no_chunks_or_player_audio_but_keeps_the_original(
    settings: Settings, sentence: Path
) -> None:
    session_id = _session(settings, sentence)
    steps.ingest_session(settings=settings, session_id=session_id)
    folder = steps.work_dir(settings, session_id)
    chunks, player = folder / "chunks", folder / steps.PLAYER_AUDIO
    assert any(chunks.iterdir()) and player.is_file()
    # An interrupted encoding leaves its partial file (a fresh user found both left behind).
    partial = ingest.player_partial(player)
    partial.write_bytes(b"half an encoding")
    steps.fail_session(settings=settings, session_id=session_id, error="the model is missing")
    assert not chunks.exists() and not player.exists() and not partial.exists()
    # A retry makes them again from the stored original.
    assert steps.ingest_session(settings=settings, session_id=session_id) == 1
    assert any(chunks.iterdir()) and player.is_file()
