"""Diarization error rate, speaker count and speed of each diarizer, with pyannote.metrics.

Usage::

    .venv/bin/python bench/diarization.py [--backends embedded,pyannote]
        [--encoders dvector,campplus,resemblyzer] [--chunk-s 30] [--only ami] [--part tune]
        [--change-threshold D] [--local-threshold D] [--link-threshold D] [--vad-threshold P]
        [--fill-threshold P] [--cross-check-s S] [--cross-check-distance D]
        [--calibrate] [--minutes] [--cross-check-cost ROUNDS]

Files (``bench/diarization_sets.py``): the real recordings in ``../shared/eval/diarization/``
(four 30 s AMI meeting excerpts with their RTTM and UEM, pyannote's 30 s sample), turn-taking
sessions joined from real single-speaker ParlaSpeech clips (2, 3 and 4 people), and synthetic
espeak-ng sessions (3 to 6 voices). Each file belongs to a part: thresholds are chosen on the
``tune`` part (AMI dev*, synthetic 3-4 voices) and reported on the rest. Every file is cut
into ``--chunk-s`` chunks and diarized chunk by chunk, then linked, as the pipeline does.

DER is pyannote.metrics' ``DiarizationErrorRate`` inside each file's UEM with overlap
scored, printed with no collar and with a 0.25 s collar on each side of every reference
boundary (pyannote's ``collar=0.5``, as NIST md-eval's ``-c 0.25``). The real-time factor is
CPU-seconds of processing per second of audio, models already loaded.

The pyannote backend runs on the operator's pipeline when ``KUVEND_MODELS_DIR/pyannote``
exists; otherwise on an untrained pipeline built here from random weights (segmentation step
0.5 instead of 0.1, to keep it within minutes), whose DER only shows that the code path runs:
it is no measure of pyannote.

``--cross-check-cost N`` measures only what CAM++'s cross-check adds to the d-vector diarizer:
CPU-seconds over every file's chunks without (A) and with (B) it, A, B, A, B, N rounds.

``--minutes`` scores what a citizen reads instead: each file goes through a default ``kuvend
process`` run (its own data folder, the configured speaker encoder) and the hypothesis is the
segments of its ``minutes.json``, each with its speaker, and its ``overlaps`` (who else spoke
where two people spoke at once), so transcription's segment times and the word attribution
count as well. The issue's goals are stated on these figures. Beside them, an *oracle*: the
reference cut to the time the segments cover (its DER), and the count of reference speakers
who speak longest in at least one segment. They are the best any diarizer can reach with that
transcript: a speaker whose words Whisper never read has no segment to be named on.

``--calibrate`` measures each encoder's member-identification threshold on espeak-ng voices
(none of those the tests use): each voice is enrolled from four sentences and compared with
the centroid the diarizer finds for two other sentences; it prints genuine and impostor
similarities and the equal-error threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
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
from bench.eval_data import EVAL  # noqa: E402
from bench.side_by_side import compare_diarizers  # noqa: E402
from diarize import (  # noqa: E402
    DiarizeOptions,
    Diarizer,
    enrol_voice,
    get_diarizer,
    link_speakers,
)
from kuvend.config import get_settings  # noqa: E402
from kuvend.domain import AudioChunk, Diarization  # noqa: E402
from kuvend.synthetic import (  # noqa: E402
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ScriptedTurn,
    synthesize_session,
)
from models import (  # noqa: E402
    resolve_campplus_model,
    resolve_checker_model,
    resolve_encoder_model,
    resolve_segmentation_model,
)
from tests.diarize.sessions import cut_into_chunks  # noqa: E402


def run(
    diarizer: Diarizer, file: BenchFile, options: DiarizeOptions, chunk_s: float, work: Path
) -> tuple[Diarization, float]:
    """The session diarization of ``file`` and the CPU-seconds it took (models loaded)."""
    chunks = cut_into_chunks(file.path, chunk_s, work / "chunks" / file.path.stem)
    started = time.process_time()
    results = [diarizer.diarize_chunk(chunk, options) for chunk in chunks]
    diarization = link_speakers(results, options)
    return diarization, time.process_time() - started


def minutes_turns(
    file: BenchFile, work: Path
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float, str]], float]:
    """The (start, end, speaker) of each segment, and of each overlap (the second voice), of a
    default ``kuvend process`` run's minutes.json, and the CPU-seconds the run took (start-up
    and every stage included)."""
    out = work / "minutes" / file.name.replace("/", "-")
    environment = {**os.environ, "KUVEND_DATA_DIR": str(work / "data" / out.name)}
    command = [str(ROOT / ".venv" / "bin" / "kuvend"), "process", str(file.path), "--out", str(out)]
    started = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=environment, check=True, capture_output=True)
    finished = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (finished.ru_utime - started.ru_utime) + (finished.ru_stime - started.ru_stime)
    minutes = json.loads((out / "minutes.json").read_text())
    segments = [
        (segment["start"], segment["end"], segment["speaker"] or "unknown")
        for segment in minutes["segments"]
    ]
    # Who else spoke where two people spoke at once (absent from minutes of older versions).
    overlaps = [
        (overlap["start"], overlap["end"], overlap["speaker"])
        for overlap in minutes.get("overlaps", [])
    ]
    return segments, overlaps, seconds


def oracle_turns(
    file: BenchFile, segments: Sequence[tuple[float, float, str]]
) -> tuple[list[tuple[float, float, str]], int]:
    """The reference cut to the time ``segments`` cover, and how many reference speakers speak
    longest in at least one segment: the best any speaker labelling (second voices included)
    can do with the text's segments, so the error left is the transcript's (speech it did not
    read, its times), not the diarizer's."""
    clipped = [
        (max(start, first), min(end, last), speaker)
        for start, end, _ in segments
        for first, last, speaker in file.reference
        if min(end, last) > max(start, first)
    ]
    named = set()
    for start, end, _ in segments:
        spoken: dict[str, float] = {}
        for first, last, speaker in clipped:
            if start <= first and last <= end:
                spoken[speaker] = spoken.get(speaker, 0.0) + last - first
        if spoken:
            named.add(max(spoken, key=lambda speaker: spoken[speaker]))
    return clipped, len(named)


def der(file: BenchFile, turns: Sequence[tuple[float, float, str]], collar: float) -> float:
    """DER of ``turns`` (start, end, speaker) against ``file``'s reference, inside its UEM."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    reference, hypothesis = Annotation(uri=file.name), Annotation(uri=file.name)
    for number, (start, end, speaker) in enumerate(file.reference):
        reference[Segment(start, end), number] = speaker
    for number, (start, end, speaker) in enumerate(turns):
        hypothesis[Segment(start, end), number] = speaker
    uem = Timeline([Segment(*file.uem)])
    # pyannote's collar is the total width removed around each reference boundary.
    metric = DiarizationErrorRate(collar=2 * collar, skip_overlap=False)
    return float(metric(reference, hypothesis, uem=uem))


def load_diarizers(
    names: Sequence[str], encoders: Sequence[str], work: Path
) -> dict[str, tuple[Diarizer, str]]:
    """Diarizers by bench name: ``embedded/<encoder>`` for each encoder, and ``pyannote``."""
    diarizers: dict[str, tuple[Diarizer, str]] = {}
    overlap_model = resolve_segmentation_model(get_settings().cache_dir)
    for name in names:
        if name == "embedded":
            for encoder in encoders:
                checker_model = resolve_checker_model(
                    "embedded",
                    encoder,
                    get_settings().cross_check_speakers,
                    get_settings().cache_dir,
                )
                diarizer = get_diarizer(
                    "embedded",
                    encoder=encoder,
                    overlap_model=overlap_model,
                    encoder_model=resolve_encoder_model(
                        "embedded", encoder, get_settings().cache_dir
                    ),
                    checker_model=checker_model,
                )
                source = f"Silero VAD (faster-whisper) + {encoder} + segmentation-3.0 overlap"
                if checker_model is not None:
                    source += " + CAM++ cross-check"
                diarizers[f"embedded/{encoder}"] = (diarizer, source)
            continue
        configured = os.environ.get("KUVEND_MODELS_DIR")
        if configured and (Path(configured) / "pyannote" / "config.yaml").is_file():
            diarizers[name] = (get_diarizer("pyannote", models_dir=Path(configured)), "operator's")
            continue
        from tests.diarize.local_pyannote import build_local_pyannote_folder

        # A 5 s segmentation step instead of 1 s: untrained segmentation sees three speakers
        # everywhere, and each (window, speaker) costs one embedding on 2 CPU cores.
        build_local_pyannote_folder(work / "models" / "pyannote", segmentation_step=0.5)
        diarizers[name] = (
            get_diarizer("pyannote", models_dir=work / "models"),
            "UNTRAINED local models",
        )
    return diarizers


def options_for(diarizer: Diarizer, args: argparse.Namespace) -> DiarizeOptions:
    """The calibrated options of ``diarizer``'s encoder, with the command line's overrides."""
    options = DiarizeOptions.for_encoder(diarizer.voice_space)
    if args.change_threshold is not None:
        options = replace(options, change_threshold=args.change_threshold)
    if args.local_threshold is not None:
        options = replace(options, local_threshold=args.local_threshold)
    if args.link_threshold is not None:
        options = replace(options, link_threshold=args.link_threshold)
    if args.vad_threshold is not None:
        options = replace(options, vad_threshold=args.vad_threshold)
    if args.fill_threshold is not None:
        options = replace(options, fill_threshold=args.fill_threshold)
    if args.cross_check_s is not None:
        options = replace(options, cross_check_s=args.cross_check_s)
    if args.cross_check_distance is not None:
        options = replace(options, cross_check_distance=args.cross_check_distance)
    return options


def calibrate(encoder: str, work: Path) -> None:
    """Genuine and impostor similarities of enrolment vs session centroid on espeak-ng voices."""
    # None of the voices of tests/diarize/test_members.py, which checks the threshold.
    voices = (
        "sq+klatt", "sr+m1", "sq+f2", "sq+m7", "sr+f5", "sq+f4", "sr+grandpa",
        "sr+Tweaky", "sq+Diogo", "sr+Henrique", "sq+Gene", "sr+Lee",
    )  # fmt: skip
    diarizer = get_diarizer(
        "embedded",
        encoder=encoder,
        encoder_model=resolve_encoder_model("embedded", encoder, get_settings().cache_dir),
    )
    options = DiarizeOptions.for_encoder(encoder)
    prints, centroids = [], []
    for voice in voices:
        language = voice.split("+")[0]
        sentences = ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES
        tag = voice.replace("+", "_")
        enrol = synthesize_session(
            [ScriptedTurn(tag, language, s, voice) for s in sentences[:4]],
            work / f"{tag}-enrol.wav",
            pause_s=0.3,
        )
        test = synthesize_session(
            [ScriptedTurn(tag, language, s, voice) for s in sentences[4:]],
            work / f"{tag}-test.wav",
            pause_s=0.3,
        )
        prints.append(enrol_voice(enrol.path, diarizer, min_speech_s=5.0).embedding)
        chunk = diarizer.diarize_chunk(AudioChunk(0, test.path, 0.0, test.duration_s), options)
        # One speaker spoke: whatever the clustering did, the session centroid is their speech.
        diarization = link_speakers([chunk], replace(options, max_speakers=1))
        centroids.append(diarization.centroids["S1"])
    similarity = np.stack(centroids) @ np.stack(prints).T
    genuine = np.diag(similarity)
    impostor = similarity[~np.eye(len(voices), dtype=bool)]
    print(f"\ncalibration of {encoder} on {len(voices)} espeak-ng voices (centroid vs enrolment):")
    print(f"  genuine  min {genuine.min():.3f}  mean {genuine.mean():.3f}")
    print(
        f"  impostor max {impostor.max():.3f}  99th pct {np.percentile(impostor, 99):.3f}  "
        f"95th pct {np.percentile(impostor, 95):.3f}  mean {impostor.mean():.3f}"
    )
    for threshold in (0.70, 0.75, 0.80, 0.85, 0.90, 0.95):
        false_accepts = int((impostor >= threshold).sum())
        false_rejects = int((genuine < threshold).sum())
        print(
            f"  threshold {threshold:.2f}: false accepts {false_accepts}/{len(impostor)}, "
            f"false rejects {false_rejects}/{len(genuine)}"
        )
    if impostor.max() < genuine.min():
        middle = (impostor.max() + genuine.min()) / 2
        print(
            f"  separable: every threshold in ({impostor.max():.3f}, {genuine.min():.3f}) "
            f"makes no error; middle {middle:.3f}"
        )
    else:
        candidates = np.linspace(0.5, 1.0, 501)
        gaps = [abs((impostor >= t).mean() - (genuine < t).mean()) for t in candidates]
        print(f"  equal-error threshold ~{candidates[int(np.argmin(gaps))]:.3f}")


def cross_check_cost(files: Sequence[BenchFile], work: Path, chunk_s: float, rounds: int) -> None:
    """CPU-seconds of the d-vector diarizer (segmentation-3.0 on) over every chunk of ``files``
    without (A) and with (B) CAM++'s cross-check, alternating, models loaded and warmed first."""
    cache_dir = get_settings().cache_dir
    common = {"overlap_model": resolve_segmentation_model(cache_dir)}
    plain = get_diarizer("embedded", **common)
    checked = get_diarizer("embedded", **common, checker_model=resolve_campplus_model(cache_dir))
    chunks = [
        chunk
        for file in files
        for chunk in cut_into_chunks(file.path, chunk_s, work / "chunks" / file.path.stem)
    ]
    compare_diarizers(
        ("d-vector", plain),
        ("d-vector + CAM++ cross-check", checked),
        chunks,
        DiarizeOptions(),
        rounds,
    )


def score_minutes(files: Sequence[BenchFile], work: Path) -> None:
    """DER of each file's minutes.json from a default ``kuvend process`` run, and means."""
    print(
        "minutes.json of default `kuvend process` runs; DER inside the UEM, overlap scored; "
        "RTF: CPU-seconds of the whole run per second of audio; oracle: the reference cut to "
        "the segments' time, DER (0.25 s collar), and the reference speakers who speak longest "
        "in a segment: the best a diarizer can do with this transcript"
    )
    print(
        f"{'file':20s} {'part':6s} {'DER':>6s} {'DER.25':>6s} {'found/true':>10s} {'RTF':>5s} "
        f"{'oracle':>6s} {'count':>5s}"
    )
    totals: dict[str, list[float]] = {}
    for file in files:
        segments, overlaps, seconds = minutes_turns(file, work)
        turns = segments + overlaps
        strict, collared = der(file, turns, 0.0), der(file, turns, 0.25)
        found = len({speaker for _, _, speaker in turns})
        true_count = len({speaker for _, _, speaker in file.reference})
        oracle, reachable = oracle_turns(file, segments)
        duration = soundfile.info(str(file.path)).duration
        totals.setdefault(file.name.split("/")[0], []).append(collared)
        print(
            f"{file.name:20s} {file.part:6s} {strict:6.1%} {collared:6.1%} "
            f"{found:>5d} / {true_count:<2d} {seconds / duration:5.2f} "
            f"{der(file, oracle, 0.25):6.1%} {reachable:5d}",
            flush=True,
        )
    for group, errors in totals.items():
        print(f"mean DER (0.25 s collar) of minutes.json on {group}: {np.mean(errors):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="embedded,pyannote")
    parser.add_argument("--encoders", default="dvector,campplus,resemblyzer")
    parser.add_argument("--chunk-s", type=float, default=30.0)
    parser.add_argument("--change-threshold", type=float)
    parser.add_argument("--local-threshold", type=float)
    parser.add_argument("--link-threshold", type=float)
    parser.add_argument("--vad-threshold", type=float, help="Silero speech probability")
    parser.add_argument(
        "--fill-threshold", type=float, help="segmentation-3.0 speech probability for the fill"
    )
    parser.add_argument(
        "--cross-check-s", type=float, help="seconds of speech before CAM++ is asked"
    )
    parser.add_argument(
        "--cross-check-distance", type=float, help="CAM++ cosine distance of two voices"
    )
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--part", choices=("tune", "report"), help="only the files of this part")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument(
        "--minutes", action="store_true", help="score minutes.json of `kuvend process` runs"
    )
    parser.add_argument(
        "--cross-check-cost",
        type=int,
        metavar="ROUNDS",
        help="only the CPU cost of CAM++'s cross-check, A/B, ROUNDS times",
    )
    args = parser.parse_args()
    try:
        import pyannote.metrics  # noqa: F401
    except ImportError:
        # Say so before minutes of diarization, not in a traceback after them.
        sys.exit("bench/diarization.py: needs pyannote.metrics: .venv/bin/pip install -e '.[test]'")

    with tempfile.TemporaryDirectory(prefix="kuvend-bench-") as folder:
        work = Path(folder)
        if args.calibrate:
            for encoder in args.encoders.split(","):
                calibrate(encoder, work)
            return
        files = real_files() + parlaspeech_files(work) + synthetic_files(work)
        if args.only:
            files = [file for file in files if args.only in file.name]
        if args.part:
            files = [file for file in files if file.part == args.part]
        if not real_files():
            print(f"(no real recordings: {EVAL} is absent; set KUVEND_EVAL_DIR)")
        if not files:
            sys.exit(f"bench/diarization.py: no file matches --only {args.only!r}")
        if args.minutes:
            score_minutes(files, work)
            return
        if args.cross_check_cost:
            cross_check_cost(files, work, args.chunk_s, args.cross_check_cost)
            return
        diarizers = load_diarizers(args.backends.split(","), args.encoders.split(","), work)
        print(
            f"chunks of {args.chunk_s:.0f} s; DER inside the UEM, overlap scored, with no collar "
            "and with a 0.25 s collar each side of a reference boundary; RTF in CPU-seconds "
            "per second of audio; part: thresholds were chosen on 'tune' files only"
        )
        print(
            f"{'file':20s} {'part':6s} {'diarizer':21s} {'DER':>6s} {'DER.25':>6s} "
            f"{'found/true':>10s} {'RTF':>5s}"
        )
        totals: dict[tuple[str, str], list[float]] = {}
        for file in files:
            true_count = len({speaker for _, _, speaker in file.reference})
            duration = soundfile.info(str(file.path)).duration
            for name, (diarizer, _) in diarizers.items():
                options = options_for(diarizer, args)
                diarization, seconds = run(diarizer, file, options, args.chunk_s, work)
                # The hypothesis is what the diarizer says: its exclusive turns, and who else
                # spoke in the overlapped stretches.
                turns = [
                    (turn.start_s, turn.end_s, turn.speaker)
                    for turn in (*diarization.turns, *diarization.second_voices)
                ]
                strict, collared = der(file, turns, 0.0), der(file, turns, 0.25)
                found = len(diarization.centroids)
                group = file.name.split("/")[0]
                totals.setdefault((name, group), []).append(collared)
                totals.setdefault((name, f"the {file.part} part"), []).append(collared)
                print(
                    f"{file.name:20s} {file.part:6s} {name:21s} {strict:6.1%} {collared:6.1%} "
                    f"{found:>5d} / {true_count:<2d} {seconds / duration:5.2f}",
                    flush=True,
                )
        for (name, group), errors in sorted(totals.items()):
            source = diarizers[name][1]
            print(f"mean DER (0.25 s collar) {name} ({source}) on {group}: {np.mean(errors):.1%}")


if __name__ == "__main__":
    main()
