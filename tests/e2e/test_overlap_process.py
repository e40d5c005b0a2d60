"""End to end: ``kuvend process`` on two real MPs talking over each other for four seconds.

The real Whisper base model, the embedded diarizer with its overlap detector (segmentation-3.0
on onnxruntime), the real command line: the reader of minutes.json must learn that two people
spoke at once there, and who the second one was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kuvend.minutes import Minutes
from tests.conftest import MODEL_CACHE_DIR
from tests.diarize.sessions import write_crosstalk
from tests.diarize.test_overlap import CROATIAN_MP, SERBIAN_MP, TOGETHER
from tests.transcribe.conftest import eval_path

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_minutes_say_where_two_mps_spoke_at_once_and_who_the_second_was(
    tmp_path: Path,
) -> None:
    media = write_crosstalk(
        eval_path(CROATIAN_MP), eval_path(SERBIAN_MP), tmp_path / "crosstalk.wav"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KUVEND_")},
        "KUVEND_DATA_DIR": str(tmp_path / "data"),
        "KUVEND_CACHE_DIR": str(MODEL_CACHE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-m", "kuvend", "process", str(media), "--out", str(tmp_path / "out"),
         "--languages", "sr", "--title", "Dva govornika"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    minutes = Minutes.model_validate_json((tmp_path / "out" / "minutes.json").read_text())
    start, end = TOGETHER
    marked = [s for s in minutes.segments if s.overlap]
    assert marked and all(s.start < end + 1.0 and s.end > start - 1.0 for s in marked)
    assert not any(
        s.overlap for s in minutes.segments if s.end < start - 1.0 or s.start > end + 1.0
    )
    assert "Two people at once" in result.stderr
    # One MP or the other speaks throughout the 20 s: their speaking times together cover it,
    # pauses inside a turn and words Whisper did not read included (word spans alone: 18.4 s).
    assert sum(speaker.speaking_time_s for speaker in minutes.speakers) >= 19.0
    # Who else spoke there: the other of the two speakers, not the segment's own.
    assert len(minutes.speakers) == 2
    assert minutes.overlaps
    for overlap in minutes.overlaps:
        assert start - 1.0 < overlap.start < overlap.end < end + 1.0
        owner = max(
            (s for s in minutes.segments if s.start < overlap.end and s.end > overlap.start),
            key=lambda s: min(s.end, overlap.end) - max(s.start, overlap.start),
        )
        assert overlap.speaker != owner.speaker
