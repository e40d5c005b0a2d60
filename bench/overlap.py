"""Overlapped-speech detection (pyannote segmentation-3.0 on onnxruntime): precision, recall
and cost per file, for each window step and threshold asked for.

Usage::

    .venv/bin/python bench/overlap.py [--steps 1,2.5,5] [--thresholds 0.3,0.5,0.7]
        [--only ami] [--synthetic] [--cost ROUNDS]

Files are ``bench/diarization_sets.py``'s: the AMI excerpts and pyannote's sample (real
overlap in their RTTMs), the ParlaSpeech turn-taking sessions (none: every second found there
is a false alarm) and, with ``--synthetic``, the espeak-ng sessions (none either). The
defaults of ``DiarizeOptions`` were chosen on the ``tune`` part (AMI dev00/dev01). Frames of
10 ms inside the UEM are overlap in the reference where two or more reference turns cover them.
RTF: CPU-seconds of detection per second of audio, model loaded. ``--cost N`` measures instead
what segmentation adds to the embedded diarizer: each file as one chunk, without (A) and with
(B) it, alternating A, B, A, B N times in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout: the project's packages come from its root.
sys.path[0] = str(ROOT)

from bench.diarization_sets import (  # noqa: E402
    BenchFile,
    parlaspeech_files,
    real_files,
    synthetic_files,
)
from bench.side_by_side import compare_diarizers  # noqa: E402
from diarize import DiarizeOptions, get_diarizer  # noqa: E402
from diarize.overlap import find_overlaps  # noqa: E402
from diarize.powerset import SegmentationModel  # noqa: E402
from kuvend.config import get_settings  # noqa: E402
from kuvend.domain import AudioChunk  # noqa: E402
from models import resolve_segmentation_model  # noqa: E402

FRAME_S = 0.01


def reference_overlap(file: BenchFile) -> tuple[np.ndarray, np.ndarray]:
    """Frame times inside ``file``'s UEM, and whether two or more reference turns cover each."""
    times = np.arange(file.uem[0], file.uem[1], FRAME_S)
    active = np.zeros(len(times))
    for start, end, _ in file.reference:
        active += (times >= start) & (times < end)
    return times, active > 1


def cost_side_by_side(files: list[BenchFile], model: Path, rounds: int) -> None:
    """CPU-seconds of the embedded diarizer per chunk without (A) and with (B) segmentation,
    alternating A, B, A, B over every file, models loaded and warmed first."""
    without = get_diarizer("embedded")
    with_segmentation = get_diarizer("embedded", overlap_model=model)
    chunks = [AudioChunk(0, f.path, 0.0, soundfile.info(str(f.path)).duration) for f in files]
    compare_diarizers(
        ("no segmentation", without),
        ("segmentation-3.0", with_segmentation),
        chunks,
        DiarizeOptions(),
        rounds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="1,2.5,5", help="window steps in seconds")
    parser.add_argument("--thresholds", default="0.3,0.5,0.7")
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--synthetic", action="store_true", help="add the espeak-ng sessions")
    parser.add_argument(
        "--cost", type=int, metavar="ROUNDS", help="only the diarizer's CPU cost, A/B, ROUNDS times"
    )
    args = parser.parse_args()
    model = resolve_segmentation_model(get_settings().cache_dir)
    segmentation = SegmentationModel(model)
    defaults = DiarizeOptions()
    with tempfile.TemporaryDirectory(prefix="kuvend-bench-") as folder:
        work = Path(folder)
        files = real_files() + parlaspeech_files(work)
        if args.synthetic:
            files += synthetic_files(work)
        if args.only:
            files = [file for file in files if args.only in file.name]
        if not files:
            sys.exit("bench/overlap.py: no file to score (is ../shared/eval there?)")
        if args.cost:
            cost_side_by_side(files, model, args.cost)
            return
        print(
            f"defaults: step {defaults.overlap_step_s} s, threshold {defaults.overlap_threshold}"
            f", min {defaults.overlap_min_s} s; P/R over 10 ms frames; ref/found in seconds"
        )
        print(
            f"{'step':>4s} {'thr':>4s} {'file':20s} {'part':6s} {'ref':>5s} {'found':>5s} "
            f"{'P':>5s} {'R':>5s} {'RTF':>6s}"
        )
        for step in (float(value) for value in args.steps.split(",")):
            for threshold in (float(value) for value in args.thresholds.split(",")):
                for file in files:
                    samples, _ = soundfile.read(str(file.path), dtype="float32")
                    started = time.process_time()
                    found = find_overlaps(
                        segmentation.windows(samples, step_s=step),
                        threshold=threshold,
                        min_duration_s=defaults.overlap_min_s,
                    )
                    cpu_s = time.process_time() - started
                    times, reference = reference_overlap(file)
                    hypothesis = np.zeros(len(times), dtype=bool)
                    for start, end in found:
                        hypothesis |= (times >= start) & (times < end)
                    hits = float((hypothesis & reference).sum())
                    precision = hits / hypothesis.sum() if hypothesis.any() else float("nan")
                    recall = hits / reference.sum() if reference.any() else float("nan")
                    print(
                        f"{step:4.1f} {threshold:4.2f} {file.name:20s} {file.part:6s} "
                        f"{reference.sum() * FRAME_S:5.1f} {hypothesis.sum() * FRAME_S:5.1f} "
                        f"{precision:5.2f} {recall:5.2f} {cpu_s * 16_000 / len(samples):6.3f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
