"""``kuvend process`` killed with SIGKILL at many points, and re-run into the same ``--out``.

The real command line, the real Whisper base model and ffmpeg, on a short synthetic session.
A first run records its checkpoints (``KUVEND_TEST_CHECKPOINTS``: every progress step of
ingest, model loading, transcription, diarization and writing, and both sides of the final
folder exchange); then a run is killed (``KUVEND_TEST_KILL_AT``) at points spread over every
stage. After each kill: ``--out`` is the previous complete result, the next command leaves no
session ``queued`` or ``processing``, and no failed session keeps its chunks.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from tests.e2e.test_process_cli import MODEL_CACHE, kuvend

# Each run starts the real command line (torch, Whisper): about 10 s on an idle machine, but
# minutes on a loaded one; the bound leaves room for that.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MIN_POINTS = 10


def _kill_points(steps: list[str]) -> list[int]:
    """1-based checkpoints: the first and last of every step kind, then evenly spread ones."""
    points: set[int] = set()
    for kind in dict.fromkeys(steps):
        where = [number for number, step in enumerate(steps, start=1) if step == kind]
        points |= {where[0], where[-1], where[len(where) // 2]}
    spread = max(1, len(steps) // MIN_POINTS)
    points |= set(range(1, len(steps) + 1, spread))
    return sorted(points)[:16] if len(points) > 16 else sorted(points)


def _sessions(settings: Settings) -> list[tuple[str, str]]:
    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM sessions")).all()
    engine.dispose()
    return [(str(row[0]), str(row[1])) for row in rows]


def test_a_kill_at_any_point_leaves_out_complete_and_no_session_behind(tmp_path: Path) -> None:
    media = synthesize_session(bilingual_dialogue(2), tmp_path / "session.wav").path
    data = tmp_path / "data"
    env = {**os.environ, "KUVEND_DATA_DIR": str(data), "KUVEND_CACHE_DIR": str(MODEL_CACHE)}
    for key in ("KUVEND_DATABASE_URL", "KUVEND_MEDIA_DIR", "KUVEND_SITE_DIR"):
        env.pop(key, None)
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    out = tmp_path / "minutes"
    process = ("process", str(media), "--out", str(out), "--assembly", "test-faults")

    log = tmp_path / "checkpoints.txt"
    first = kuvend(*process, env={**env, "KUVEND_TEST_CHECKPOINTS": str(log)})
    assert first.returncode == 0, first.stderr
    steps = log.read_text().splitlines()
    assert {"ingest", "transcribe", "diarize", "replace", "replaced"} <= set(steps), steps
    points = _kill_points(steps)
    assert len(points) >= MIN_POINTS

    for point in points:
        print(f"killing at checkpoint {point} ({steps[point - 1]})", flush=True)
        before = Minutes.model_validate_json((out / "minutes.json").read_text())
        killed = kuvend(*process, env={**env, "KUVEND_TEST_KILL_AT": str(point)})
        assert killed.returncode == -signal.SIGKILL, (point, steps[point - 1], killed.stderr)
        after = Minutes.model_validate_json((out / "minutes.json").read_text())
        assert (out / "index.html").is_file() and (out / "minutes.srt").is_file()
        # Killed after the exchange: the new result; before it: the previous one, whole.
        changed = after.session.id != before.session.id
        assert changed == (steps[point - 1] == "replaced"), (point, steps[point - 1])

        following = kuvend("members", "list", env=env)  # any next command recovers
        assert following.returncode == 0, following.stderr
        statuses = _sessions(settings)
        assert not [s for s in statuses if s[1] in ("queued", "processing")], (point, statuses)
        for session_id, status in statuses:
            if status == "failed":
                assert not (data / "sessions" / session_id / "chunks").exists(), session_id

    again = kuvend(*process, env=env)  # re-running into the same --out works
    assert again.returncode == 0, again.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".minutes.")]
    assert leftovers == []
