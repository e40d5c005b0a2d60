"""Speech running into a hole in the recording is transcribed, not handed to a chunk that
never reads it.

A chunk normally leaves the speech running across its end to the next chunk, which decodes it
whole. When the next chunk starts after a gap (a transport stream's clock jumped, packets were
lost), nothing would: the chunk before the gap must read its speech to its own end. Real
Whisper, real ffmpeg, a real MP's speech cut off mid-sentence by the hole.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from kuvend.config import Settings
from kuvend.storage.db import migrate
from tests.diarize.test_overlap import CROATIAN_MP, SERBIAN_MP
from tests.transcribe.conftest import eval_path
from tests.utils.media import transport_stream_with_jump
from tests.workers.conftest import new_session
from workers import steps
from workers.engines import load_engines

#: The first MP speaks through the last second before the hole (Silero: 9.1-10.4 s of the clip).
CUT_S = 10.0
JUMP_S = 5.0


@pytest.fixture
def config(settings: Settings) -> Settings:
    config = settings.model_copy(update={"chunk_seconds": 4.0, "whisper_temperatures": (0.0,)})
    migrate(config.resolved_database_url)
    return config


def _clip(source: str, seconds: float, target: Path) -> Path:
    samples, rate = soundfile.read(str(eval_path(source)), dtype="float32")
    soundfile.write(str(target), samples[: int(seconds * rate)], rate)
    return target


def test_speech_cut_off_by_a_hole_in_the_recording_is_in_the_minutes(
    config: Settings, tmp_path: Path
) -> None:
    stream = transport_stream_with_jump(
        tmp_path / "tv.ts",
        _clip(SERBIAN_MP, CUT_S, tmp_path / "first.wav"),
        _clip(CROATIAN_MP, 6.0, tmp_path / "second.wav"),
        JUMP_S,
    )
    session_id = new_session(config, stream, title="Seanca me një vrimë")
    steps.ingest_session(settings=config, session_id=session_id)
    minutes = steps.finalize_session(
        settings=config, engines=load_engines(config), session_id=session_id
    )

    (gap,) = minutes.session.gaps
    assert gap.start == pytest.approx(CUT_S, abs=0.2)  # AAC pads the part by a frame or two
    # The last second before the hole is speech; a segment (words, or a flagged gap to fill)
    # covers most of it.
    last = np.linspace(gap.start - 1.0, gap.start - 0.05, 20)
    covered = [any(s.start <= t <= s.end for s in minutes.segments) for t in last]
    assert sum(covered) >= 15, [(s.start, s.end, s.text) for s in minutes.segments]
