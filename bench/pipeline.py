"""Overhead of ``kuvend process`` over bare faster-whisper, on one audio file.

Usage::

    .venv/bin/python bench/pipeline.py [AUDIO] [--repeat N]

Without AUDIO it synthesises a two-minute bilingual session with espeak-ng. Both runs happen in
fresh subprocesses (so model loading is counted on both sides) with the same model, device,
compute type, beam size, VAD and word timestamps. Prints wall time, real-time factor and peak
resident memory of each, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kuvend.config import Settings  # noqa: E402
from kuvend.synthetic import bilingual_dialogue, synthesize_session, wav_duration  # noqa: E402

BARE_WHISPER = """
import sys, os
os.environ["HF_HUB_OFFLINE"] = "1"
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=int(sys.argv[3]))
segments, info = model.transcribe(sys.argv[2], beam_size=int(sys.argv[4]), vad_filter=True,
                                  word_timestamps=True)
print(sum(1 for _ in segments))
"""


def run_measured(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return its wall time in seconds and peak RSS in MiB."""
    started = time.perf_counter()
    # ru_maxrss of RUSAGE_CHILDREN is the maximum over every child ever waited for, so each
    # measurement goes through its own small parent process that reports only its one child.
    probe = [sys.executable, "-c", _MEASURE_CHILD, json.dumps(command)]
    output = subprocess.run(probe, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    wall = time.perf_counter() - started
    return wall, float(output.strip().splitlines()[-1])


_MEASURE_CHILD = """
import json, resource, subprocess, sys
subprocess.run(json.loads(sys.argv[1]), check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="kuvend-bench-"))
    audio = args.audio
    if audio is None:
        audio = synthesize_session(bilingual_dialogue(24), work / "session.wav").path
    duration = wav_duration(audio) if audio.suffix == ".wav" else float("nan")

    from models import resolve_whisper_model

    model_dir = resolve_whisper_model(
        settings.whisper_model, models_dir=settings.models_dir, cache_dir=settings.cache_dir
    )
    threads = settings.whisper_cpu_threads or 2
    bare_cmd = [
        sys.executable,
        "-c",
        BARE_WHISPER,
        str(model_dir),
        str(audio),
        str(threads),
        str(settings.whisper_beam_size),
    ]
    ours_cmd = [
        sys.executable,
        "-m",
        "kuvend",
        "process",
        str(audio),
        "--out",
        str(work / "out"),
        "--assembly",
        "bench",
    ]
    env_note = f"KUVEND_DATA_DIR={settings.data_dir}"

    rows = []
    for _ in range(args.repeat):
        rows.append(("bare faster-whisper", *run_measured(bare_cmd)))
        rows.append(("kuvend process", *run_measured(ours_cmd)))

    print(
        f"audio: {audio} ({duration:.1f} s), model {model_dir.name}, {threads} threads, "
        f"beam {settings.whisper_beam_size}, {env_note}"
    )
    print(f"{'run':<22}{'wall s':>9}{'RTF':>8}{'peak MiB':>10}")
    for name, wall, peak in rows:
        print(f"{name:<22}{wall:>9.1f}{wall / duration:>8.3f}{peak:>10.0f}")
    bare = min(wall for name, wall, _ in rows if name.startswith("bare"))
    ours = min(wall for name, wall, _ in rows if name.startswith("kuvend"))
    print(f"overhead: kuvend process / bare faster-whisper = {ours / bare:.2f}x")


if __name__ == "__main__":
    main()
