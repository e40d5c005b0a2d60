"""``kuvend process`` killed with SIGKILL at many points, and re-run into the same ``--out``.

The real command line, the real Whisper base model and ffmpeg, on a short synthetic session.
A first run records its checkpoints (``KUVEND_TEST_CHECKPOINTS``: every progress step of
ingest, model loading, transcription, diarization and writing, and both sides of the final
folder exchange); then a run is killed (``KUVEND_TEST_KILL_AT``) at the first and last point of
every stage and at random points between (the seed is printed; ``KUVEND_TEST_FAULT_SEED``
replays a run). After each kill: ``--out`` is the previous complete result, the next command
leaves no session ``queued`` or ``processing``, and no failed session keeps its chunks. SIGTERM
and SIGINT in the middle of transcription stop the command cleanly: the session failed with the
reason, its chunks gone, ``--out`` not written.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from tests.e2e.test_process_cli import MODEL_CACHE, ROOT, kuvend

# Each run starts the real command line (torch, Whisper): about 10 s on an idle machine, but
# minutes on a loaded one; the bound leaves room for that.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MIN_POINTS = 10


def _kill_points(steps: list[str], rng: random.Random) -> list[int]:
    """1-based checkpoints: the first and last of every step kind, then random others."""
    points: set[int] = set()
    for kind in dict.fromkeys(steps):
        where = [number for number, step in enumerate(steps, start=1) if step == kind]
        points |= {where[0], where[-1]}
    others = sorted(set(range(1, len(steps) + 1)) - points)
    points |= set(rng.sample(others, min(len(others), max(4, MIN_POINTS - len(points)))))
    return sorted(points)


def _sessions(settings: Settings) -> list[tuple[str, str]]:
    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM sessions")).all()
    engine.dispose()
    return [(str(row[0]), str(row[1])) for row in rows]


def _environment(data: Path) -> dict[str, str]:
    env = {**os.environ, "KUVEND_DATA_DIR": str(data), "KUVEND_CACHE_DIR": str(MODEL_CACHE)}
    for key in ("KUVEND_DATABASE_URL", "KUVEND_MEDIA_DIR", "KUVEND_SITE_DIR"):
        env.pop(key, None)
    return env


def test_a_kill_at_any_point_leaves_out_complete_and_no_session_behind(tmp_path: Path) -> None:
    media = synthesize_session(bilingual_dialogue(2), tmp_path / "session.wav").path
    data = tmp_path / "data"
    env = _environment(data)
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    out = tmp_path / "minutes"
    process = ("process", str(media), "--out", str(out), "--assembly", "test-faults")

    log = tmp_path / "checkpoints.txt"
    first = kuvend(*process, env={**env, "KUVEND_TEST_CHECKPOINTS": str(log)})
    assert first.returncode == 0, first.stderr
    steps = log.read_text().splitlines()
    assert {"ingest", "transcribe", "diarize", "replace", "replaced"} <= set(steps), steps
    seed = int(os.environ.get("KUVEND_TEST_FAULT_SEED") or random.randrange(2**32))
    print(f"kill points drawn with KUVEND_TEST_FAULT_SEED={seed}", flush=True)
    points = _kill_points(steps, random.Random(seed))
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


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_transcription_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    media = synthesize_session(bilingual_dialogue(2), tmp_path / "session.wav").path
    data, out, log = tmp_path / "data", tmp_path / "minutes", tmp_path / "checkpoints.txt"
    env = {**_environment(data), "KUVEND_TEST_CHECKPOINTS": str(log)}
    command = [sys.executable, "-m", "kuvend", "process", str(media), "--out", str(out)]
    with subprocess.Popen(
        [*command, "--assembly", "test-faults"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as running:  # fmt: skip
        deadline = time.monotonic() + 600
        while "transcribe" not in (log.read_text() if log.exists() else ""):
            assert running.poll() is None, running.stderr.read() if running.stderr else ""
            assert time.monotonic() < deadline, "transcription never started"
            time.sleep(0.05)
        running.send_signal(stop)
        _, stderr = running.communicate(timeout=300)
    assert running.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert not out.exists()
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    [(session_id, status)] = _sessions(settings)
    assert status == "failed"
    assert not (data / "sessions" / session_id / "chunks").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".minutes")] == []


@pytest.mark.parametrize(
    ("stop", "ignored_at_start"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGINT", "SIGTERM", "SIGINT-from-a-background-script"],
)
def test_a_stop_while_the_command_line_loads_is_an_interruption(
    tmp_path: Path, stop: signal.Signals, ignored_at_start: bool
) -> None:
    # A fresh user's find: Ctrl-C in the first half second (typer and the commands loading)
    # printed a traceback, SIGTERM exited 143 without a word, and a script's SIGINT to a
    # command it had started in the background (which inherits SIGINT ignored) was lost.
    # The stop is sent from inside the launcher, just after it starts keeping stops, where a
    # real one would land while the rest loads.
    launch = (
        "import os, signal, sys\n"
        "from kuvend import interrupts\n"
        "import kuvend.__main__ as launcher\n"
        "keep = interrupts.remember_stops\n"
        "def keep_then_stop():\n"
        "    keep()\n"
        f"    os.kill(os.getpid(), signal.{stop.name})\n"
        "interrupts.remember_stops = keep_then_stop\n"
        "sys.argv = ['kuvend', 'sessions', 'list']\n"
        "launcher.main()\n"
    )
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignored_at_start else None
    stopped = subprocess.run(
        [sys.executable, "-c", launch],
        cwd=ROOT, env=_environment(tmp_path / "data"), capture_output=True, text=True,
        timeout=300, preexec_fn=ignore,
    )  # fmt: skip
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr == "kuvend: interrupted\n"
    assert stopped.stdout == ""


def test_a_stop_after_the_minutes_are_saved_changes_nothing(tmp_path: Path) -> None:
    # A fresh user's find: a signal while the summary printed said "kuvend: interrupted"
    # (exit 130) of a run whose minutes were written and whose session was a draft; a script
    # would have run it again into a duplicate session.
    media = synthesize_session(bilingual_dialogue(2), tmp_path / "session.wav").path
    data, out = tmp_path / "data", tmp_path / "minutes"
    command = [sys.executable, "-m", "kuvend", "process", str(media), "--out", str(out)]
    with subprocess.Popen(
        [*command, "--assembly", "test-faults", "--new-assembly"],
        cwd=ROOT, env=_environment(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    ) as running:  # fmt: skip
        assert running.stderr is not None
        said = ""
        while "Minutes of" not in said:  # the summary: the minutes are saved
            line = running.stderr.readline()
            assert line, said
            said += line
        running.send_signal(signal.SIGINT)
        running.send_signal(signal.SIGTERM)
        rest = running.stderr.read()
        running.wait(timeout=300)
    assert running.returncode == 0, said + rest
    assert "interrupted" not in said + rest
    assert Minutes.model_validate_json((out / "minutes.json").read_text()).segments
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    assert [status for _, status in _sessions(settings)] == ["draft"]


def test_a_stop_a_library_turned_into_its_own_error_is_still_an_interruption(
    tmp_path: Path,
) -> None:
    # A fresh user's find: SIGTERM while onnxruntime was being imported came out as
    # "unexpected RuntimeError: Applying the VAD filter requires the onnxruntime package"
    # (exit 1). The handler has recorded the stop by then; here the library's error is raised
    # right after the stop is recorded, as it was.
    launch = (
        "import sys\n"
        "from kuvend import interrupts\n"
        "import kuvend.__main__ as launcher\n"
        "import cli.sessions_cmd as sessions\n"
        "def interrupted_import(url):\n"
        "    interrupts.request_stop('SIGTERM')\n"
        "    raise RuntimeError('Applying the VAD filter requires the onnxruntime package')\n"
        "sessions.migrate = interrupted_import\n"
        "sys.argv = ['kuvend', 'sessions', 'list']\n"
        "launcher.main()\n"
    )
    stopped = subprocess.run(
        [sys.executable, "-c", launch],
        cwd=ROOT, env=_environment(tmp_path / "data"), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr == "kuvend: interrupted\n"
