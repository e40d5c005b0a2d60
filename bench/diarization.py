"""Diarization error rate, speaker count and speed of each diarizer, with pyannote.metrics.

Usage::

    .venv/bin/python bench/diarization.py [--backends embedded,pyannote] [--chunk-s 30]
        [--local-threshold D] [--link-threshold D] [--calibrate]

Files: the real recordings in ``../shared/eval/diarization/`` (four 30 s AMI meeting excerpts
with their RTTM and UEM, pyannote's 30 s sample) and synthetic espeak-ng sessions made here
(3 to 5 voices, a long chair turn and short interventions, exact references). Every file is
cut into ``--chunk-s`` chunks and diarized chunk by chunk, then linked, as the pipeline does.

DER is pyannote.metrics' ``DiarizationErrorRate`` with no collar and overlap scored (the
strictest setting), inside each file's UEM (the whole file where none is given). The real-time
factor is processing time over audio duration, models already loaded.

The pyannote backend runs on the operator's pipeline when ``KUVEND_MODELS_DIR/pyannote``
exists; otherwise on an untrained pipeline built here from random weights (segmentation step
0.5 instead of 0.1, to keep it within minutes), whose DER only shows that the code path runs:
it is no measure of pyannote.

``--calibrate`` measures the member-identification threshold on espeak-ng voices: each voice
is enrolled from four sentences and compared with the centroid the diarizer finds for two
other sentences; it prints genuine and impostor similarities and the equal-error threshold.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout: the project's packages come from its root.
sys.path[0] = str(ROOT)

from diarize import (  # noqa: E402
    DiarizeOptions,
    Diarizer,
    embed_voice,
    get_diarizer,
    link_speakers,
)
from kuvend.domain import AudioChunk, Diarization  # noqa: E402
from kuvend.synthetic import (  # noqa: E402
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ScriptedTurn,
    synthesize_session,
)

EVAL = ROOT.parent / "shared" / "eval" / "diarization"


@dataclass(frozen=True)
class BenchFile:
    """Audio with its reference turns (start, end, speaker) and scored region (UEM)."""

    name: str
    path: Path
    reference: tuple[tuple[float, float, str], ...]
    uem: tuple[float, float]


def rttm_turns(path: Path, uri: str) -> tuple[tuple[float, float, str], ...]:
    turns = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0] == "SPEAKER" and fields[1] == uri:
            start, duration = float(fields[3]), float(fields[4])
            turns.append((start, start + duration, fields[7]))
    return tuple(turns)


def uem_span(path: Path, uri: str) -> tuple[float, float] | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == uri:
            return float(fields[2]), float(fields[3])
    return None


def real_files() -> list[BenchFile]:
    files = []
    ami = EVAL / "pyannote_ami_debug"
    for subset in ("development", "test"):
        rttm, uem = ami / f"debug.{subset}.rttm", ami / f"debug.{subset}.uem"
        if not rttm.exists():
            continue
        for uri in (ami / f"debug.{subset}.lst").read_text().split():
            duration = soundfile.info(str(ami / f"{uri}.wav")).duration
            files.append(
                BenchFile(
                    f"ami/{uri}",
                    ami / f"{uri}.wav",
                    rttm_turns(rttm, uri),
                    uem_span(uem, uri) or (0.0, duration),
                )
            )
    sample = EVAL / "pyannote_sample"
    if (sample / "sample.wav").exists():
        duration = soundfile.info(str(sample / "sample.wav")).duration
        files.append(
            BenchFile(
                "pyannote/sample",
                sample / "sample.wav",
                rttm_turns(sample / "sample.rttm", "sample"),
                (0.0, duration),
            )
        )
    return files


#: Synthetic sessions: (name, voices, turns as (voice index, sentence count)).
#: The chair (voice 0) opens with a long turn and comes back between short interventions.
SYNTHETIC = (
    (
        "synthetic/3-voices",
        ("sq+m3", "sr+f3", "sr+Andy"),
        ((0, 4), (1, 1), (0, 1), (2, 2), (1, 1), (0, 2)),
    ),
    (
        "synthetic/4-voices",
        ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia"),
        ((0, 3), (1, 1), (2, 1), (0, 1), (3, 2), (1, 1), (0, 1), (2, 1), (3, 1), (0, 2)),
    ),
    (
        "synthetic/5-voices",
        ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia", "sq+Storm"),
        (
            (0, 3),
            (1, 1),
            (4, 1),
            (2, 1),
            (0, 1),
            (3, 1),
            (4, 2),
            (1, 1),
            (0, 1),
            (2, 1),
            (3, 1),
            (0, 1),
        ),
    ),
)


def synthetic_files(folder: Path) -> list[BenchFile]:
    files = []
    for name, voices, script in SYNTHETIC:
        turns = []
        used = [0] * len(voices)
        for voice_index, sentence_count in script:
            voice = voices[voice_index]
            language = voice.split("+")[0]
            sentences = ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES
            for _ in range(sentence_count):
                text = sentences[used[voice_index] % len(sentences)]
                used[voice_index] += 1
                turns.append(ScriptedTurn(f"{voice_index}", language, text, voice))
        session = synthesize_session(turns, folder / f"{name.split('/')[1]}.wav", pause_s=0.6)
        merged: list[tuple[float, float, str]] = []
        for turn in session.turns:
            merged.append((turn.start_s, turn.end_s, turn.speaker))
        files.append(BenchFile(name, session.path, tuple(merged), (0.0, session.duration_s)))
    return files


def chunks_of(path: Path, chunk_s: float, folder: Path) -> list[AudioChunk]:
    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    step = int(chunk_s * rate)
    chunks = []
    for index, first in enumerate(range(0, len(mono), step)):
        piece = mono[first : first + step]
        target = folder / f"{path.stem}-{index:04d}.wav"
        soundfile.write(str(target), piece, rate, subtype="PCM_16")
        chunks.append(AudioChunk(index, target, first / rate, len(piece) / rate))
    return chunks


def run(
    diarizer: Diarizer, file: BenchFile, options: DiarizeOptions, chunk_s: float, work: Path
) -> tuple[Diarization, float]:
    chunks = chunks_of(file.path, chunk_s, work)
    started = time.perf_counter()
    results = [diarizer.diarize_chunk(chunk, options) for chunk in chunks]
    diarization = link_speakers(results, options)
    return diarization, time.perf_counter() - started


def der(file: BenchFile, diarization: Diarization) -> float:
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    reference, hypothesis = Annotation(uri=file.name), Annotation(uri=file.name)
    for number, (start, end, speaker) in enumerate(file.reference):
        reference[Segment(start, end), number] = speaker
    for turn in diarization.turns:
        hypothesis[Segment(turn.start_s, turn.end_s)] = turn.speaker
    uem = Timeline([Segment(*file.uem)])
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    return float(metric(reference, hypothesis, uem=uem))


def load_diarizers(names: Sequence[str], work: Path) -> dict[str, tuple[Diarizer, str]]:
    diarizers: dict[str, tuple[Diarizer, str]] = {}
    for name in names:
        if name == "embedded":
            diarizers[name] = (get_diarizer("embedded"), "silero-vad + resemblyzer")
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


def calibrate(work: Path) -> None:
    voices = (
        "sq+m3", "sr+f3", "sr+Andy", "sq+Storm", "sq+klatt", "sr+m1", "sq+f2",
        "sq+m7", "sr+f5", "sq+f4", "sr+grandpa", "sq+Alicia", "sr+Tweaky", "sq+Diogo",
    )  # fmt: skip
    diarizer, options = get_diarizer("embedded"), DiarizeOptions()
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
        prints.append(embed_voice(enrol.path))
        chunk = diarizer.diarize_chunk(AudioChunk(0, test.path, 0.0, test.duration_s), options)
        # One speaker spoke: whatever the clustering did, the session centroid is their speech.
        diarization = link_speakers([chunk], replace(options, max_speakers=1))
        centroids.append(diarization.centroids["S1"])
    similarity = np.stack(centroids) @ np.stack(prints).T
    genuine = np.diag(similarity)
    impostor = similarity[~np.eye(len(voices), dtype=bool)]
    print(f"\ncalibration on {len(voices)} espeak-ng voices (session centroid vs enrolment):")
    print(f"  genuine  min {genuine.min():.3f}  mean {genuine.mean():.3f}")
    print(
        f"  impostor max {impostor.max():.3f}  99th pct {np.percentile(impostor, 99):.3f}  "
        f"95th pct {np.percentile(impostor, 95):.3f}  mean {impostor.mean():.3f}"
    )
    for threshold in (0.80, 0.85, 0.90, 0.95):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="embedded,pyannote")
    parser.add_argument("--chunk-s", type=float, default=30.0)
    parser.add_argument("--local-threshold", type=float)
    parser.add_argument("--link-threshold", type=float)
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()

    options = DiarizeOptions()
    if args.local_threshold is not None:
        options = replace(options, local_threshold=args.local_threshold)
    if args.link_threshold is not None:
        options = replace(options, link_threshold=args.link_threshold)

    with tempfile.TemporaryDirectory(prefix="kuvend-bench-") as folder:
        work = Path(folder)
        if args.calibrate:
            calibrate(work)
            return
        files = real_files() + synthetic_files(work)
        if args.only:
            files = [file for file in files if args.only in file.name]
        if not real_files():
            print(f"(no real recordings: {EVAL} is absent)")
        diarizers = load_diarizers(args.backends.split(","), work)
        print(
            f"chunks of {args.chunk_s:.0f} s; local threshold {options.local_threshold}, "
            f"link threshold {options.link_threshold}; DER: no collar, overlap scored"
        )
        print(f"{'file':22s} {'backend':9s} {'DER':>7s} {'speakers':>9s} {'RTF':>6s}")
        totals: dict[str, list[float]] = {}
        for file in files:
            true_count = len({speaker for _, _, speaker in file.reference})
            duration = soundfile.info(str(file.path)).duration
            for name, (diarizer, _) in diarizers.items():
                diarization, seconds = run(diarizer, file, options, args.chunk_s, work)
                error = der(file, diarization)
                found = len(diarization.centroids)
                totals.setdefault(name, []).append(error)
                print(
                    f"{file.name:22s} {name:9s} {error:7.1%} {found:>4d} / {true_count:<2d}"
                    f" {seconds / duration:6.2f}",
                    flush=True,
                )
        for name, (_, source) in diarizers.items():
            print(f"mean DER {name} ({source}): {np.mean(totals[name]):.1%}")


if __name__ == "__main__":
    main()
