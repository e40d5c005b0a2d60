"""``kuvend process`` on the sample recordings of ``../shared/cases`` (issue 15), checked
against what each folder's README says is right. Skipped where the samples are absent (a
clean clone); the kinds themselves are tested on inputs made by the tests in
``tests/ingest/test_recordings.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kuvend.minutes import Minutes
from tests.e2e.test_process_cli import MODEL_CACHE, ROOT, kuvend

pytestmark = pytest.mark.slow

CASES = ROOT.parent / "shared" / "cases"


def _process(case: str, tmp_path: Path) -> tuple[Minutes, str]:
    media = next((CASES / case).glob("input.*"), None)
    if media is None:
        pytest.skip(f"{CASES / case} is not here")
    env = {
        **os.environ,
        "KUVEND_DATA_DIR": str(tmp_path / "data"),
        "KUVEND_CACHE_DIR": str(MODEL_CACHE),
    }
    for key in ("KUVEND_DATABASE_URL", "KUVEND_MEDIA_DIR", "KUVEND_SITE_DIR"):
        env.pop(key, None)
    result = kuvend("process", str(media), "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    return Minutes.model_validate_json(
        (tmp_path / "out" / "minutes.json").read_text()
    ), result.stderr


def test_second_audio_track(tmp_path: Path) -> None:
    minutes, stderr = _process("second-audio-track", tmp_path)
    assert [(s.index, s.used) for s in minutes.session.audio_streams] == [(0, False), (1, True)]
    assert "not used: a:0" in stderr.replace("\n", " ")
    # The speech of a:1 is transcribed (how well is the transcriber's matter, not ingest's).
    assert minutes.segments
    assert minutes.session.duration_s == pytest.approx(22.0, abs=0.1)


def test_audio_starts_late(tmp_path: Path) -> None:
    minutes, _ = _process("audio-starts-late", tmp_path)
    assert minutes.segments[0].start == pytest.approx(5.9, abs=0.3)
    assert minutes.session.duration_s == pytest.approx(28.0, abs=0.1)
    srt = (tmp_path / "out" / "minutes.srt").read_text()
    assert "00:00:05," in srt.split("\n\n")[0]


def test_webm_without_duration(tmp_path: Path) -> None:
    minutes, _ = _process("webm-without-duration", tmp_path)
    assert minutes.session.duration_s == pytest.approx(21.5, abs=0.1)
    assert minutes.segments
