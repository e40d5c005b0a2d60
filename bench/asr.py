"""Transcription quality and cost: Kuvend's transcriber beside bare faster-whisper.

Usage::

    .venv/bin/python bench/asr.py DATASET [--model base] [--device cpu|cuda] [--batch-size 16]
    .venv/bin/python bench/asr.py memory [--minutes 10 120]
    .venv/bin/python bench/asr.py cost [--turns 12] [--rounds 2]

DATASET is one of:

* ``synthetic``  – espeak-ng bilingual sessions (3 voice pairs, 6 turns, 5 language switches each)
* ``hr``         – the Croatian parliament clip (``../shared/eval/hr/parlaspeech_tutorial``)
* ``sq``         – the 2 s Albanian TV clip (with transcript) and the 20 Albanian splices (no
                   transcripts: language identification only)
* ``vocabulary`` – espeak-ng sentences naming members and villages: errors on those words
                   without hints, with the vocabulary as prompt, and as hotwords
* ``all``        – synthetic, hr and sq

For each system it prints WER and CER per language (lower-case, no punctuation, Serbian folded
to Latin on both sides, as the references are written), language-identification accuracy (per
reference turn, or per clip; hr/bs count as sr for both systems), the share of Serbian
segments in the assembly's script (Latin), real-time factor (decoding time / audio duration,
model loading excluded) and peak resident memory. Each system runs in its own subprocess.
``bare`` is faster-whisper's ``WhisperModel.transcribe`` with its default options on the same
model, device and compute type.

``cost`` runs ``bench/asr_cost.py``: on one bilingual espeak-ng session, side by side in
rounds, CPU-seconds, wall time, encoder passes, peak memory, WER/CER and seconds flagged of
Kuvend's transcriber, the whole ``kuvend process``, bare sequential and batched faster-whisper.

``memory`` transcribes two synthetic sessions chunk by chunk (30 s chunks, one sentence in each)
and prints the peak resident memory of each run: it must not grow with the session's length.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout: the project's packages come from its root.
sys.path[0] = str(ROOT)
os.environ["HF_HUB_OFFLINE"] = "1"

# Each item is {path, duration_s, turns: [{start,end,language,text}] | None, language: the
# expected language of the whole clip | None, vocabulary: [...]} (``bench/asr_sets.py``).
from bench.asr_sets import CACHE, DATASETS, WORK  # noqa: E402
from kuvend.text import serbian_to_latin  # noqa: E402

# --- running one system in this process ------------------------------------------------------


def run_system(
    system: str, items: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Transcribe every item; hypotheses as (start, end, language, text) per segment."""
    from kuvend.domain import AudioChunk
    from models import resolve_whisper_model
    from transcribe.audio import read_samples

    model_dir = resolve_whisper_model(args.model, models_dir=_models_dir(), cache_dir=CACHE)
    if system == "bare":
        from faster_whisper import WhisperModel

        compute = "float16" if args.device == "cuda" else "int8"
        model = WhisperModel(str(model_dir), device=args.device, compute_type=compute)

        def transcribe(item: dict[str, Any]) -> list[tuple[float, float, str, str]]:
            # Same reader as ours (16 kHz float samples), so only the transcription differs.
            samples = read_samples(AudioChunk(0, Path(item["path"]), 0.0, item["duration_s"]))
            segments, info = model.transcribe(samples)
            return [(s.start, s.end, info.language, s.text) for s in segments]

    else:
        from transcribe import TranscribeOptions, load_whisper, transcribe_chunk

        engine = load_whisper(model_dir, device=args.device)
        hint = {"ours": "none", "ours-prompt": "prompt", "ours-hotwords": "hotwords"}[system]

        def transcribe(item: dict[str, Any]) -> list[tuple[float, float, str, str]]:
            options = TranscribeOptions(
                vocabulary=tuple(item.get("vocabulary", ())),
                vocabulary_as=hint if item.get("vocabulary") else "none",
                batch_size=args.batch_size,
            )
            chunk = AudioChunk(0, Path(item["path"]), 0.0, item["duration_s"])
            return [
                (s.start_s, s.end_s, s.language, s.text)
                for s in transcribe_chunk(engine, chunk, options)
            ]

    transcribe(items[0])  # warm-up: CUDA kernels, allocator, caches; not timed
    hypotheses = []
    started = time.perf_counter()
    for item in items:
        hypotheses.append(transcribe(item))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"hypotheses": hypotheses, "seconds": seconds, "peak_mib": peak_kib / 1024}


def _models_dir() -> Path | None:
    value = os.environ.get("KUVEND_MODELS_DIR")
    return Path(value) if value else None


# --- scoring ---------------------------------------------------------------------------------

_PUNCTUATION = str.maketrans("", "", string.punctuation + "„“”‘’«»…–—")


def normalise(text: str) -> str:
    """As the references are written: lower-case, Latin, no punctuation, single spaces."""
    return " ".join(serbian_to_latin(text).lower().translate(_PUNCTUATION).split())


def _group(language: str) -> str:
    return "sr" if language in ("sr", "hr", "bs") else language


def score(items: list[dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
    import jiwer

    refs: dict[str, list[str]] = {}
    hyps: dict[str, list[str]] = {}
    lid_right = lid_total = 0
    serbian_segments = serbian_latin = 0
    for item, hypothesis in zip(items, result["hypotheses"], strict=True):
        for _, _, language, text in hypothesis:
            if _group(language) == "sr":
                serbian_segments += 1
                serbian_latin += not any("\u0400" <= c <= "\u04ff" for c in text)
        if item["turns"] is None:
            spoken = [_group(h[2]) for h in hypothesis]
            lid_total += 1
            lid_right += bool(spoken) and max(set(spoken), key=spoken.count) == item["language"]
            continue
        for turn in item["turns"]:
            inside = [h for h in hypothesis if turn["start"] <= (h[0] + h[1]) / 2 <= turn["end"]]
            text = " ".join(h[3] for h in inside)
            refs.setdefault(turn["language"], []).append(normalise(turn["text"]))
            hyps.setdefault(turn["language"], []).append(normalise(text))
            lid_total += 1
            durations: dict[str, float] = {}
            for start, end, language, _ in inside:
                durations[_group(language)] = durations.get(_group(language), 0.0) + end - start
            said = max(durations, key=lambda k: durations[k]) if durations else None
            lid_right += said == turn["language"]
    audio = sum(item["duration_s"] for item in items)
    errors = {
        language: (
            jiwer.wer(refs[language], hyps[language]),
            jiwer.cer(refs[language], hyps[language]),
        )
        for language in refs
    }
    return {
        "errors": errors,
        "lid": (lid_right, lid_total),
        "latin": (serbian_latin, serbian_segments),
        "rtf": result["seconds"] / audio,
        "peak_mib": result["peak_mib"],
        "audio_s": audio,
    }


def term_errors(items: list[dict[str, Any]], result: dict[str, Any]) -> tuple[int, int]:
    """How many spoken vocabulary words are missing from the transcript (both normalised)."""
    missed = total = 0
    for item, hypothesis in zip(items, result["hypotheses"], strict=True):
        terms = set(item["vocabulary"])
        for turn in item["turns"]:
            inside = [h for h in hypothesis if turn["start"] <= (h[0] + h[1]) / 2 <= turn["end"]]
            said = normalise(" ".join(h[3] for h in inside)).split()
            for term in terms:
                if term in turn["text"]:
                    for word in normalise(term).split():
                        total += 1
                        missed += word not in said
    return missed, total


# --- driver ------------------------------------------------------------------------------------


def _child(system: str, dataset: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        dataset,
        "--system",
        system,
        "--model",
        args.model,
        "--device",
        args.device,
        "--batch-size",
        str(args.batch_size),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def report(dataset: str, args: argparse.Namespace) -> None:
    items = DATASETS[dataset]()
    systems = ["bare", "ours"]
    if dataset == "vocabulary":
        systems = ["bare", "ours", "ours-prompt", "ours-hotwords"]
    print(f"\n## {dataset}: {len(items)} files, model {args.model}, device {args.device}")
    rows = []
    for system in systems:
        result = _child(system, dataset, args)
        scored = score(items, result)
        cells = [f"{system:13s}"]
        for language in ("sq", "sr"):
            wer, cer = scored["errors"].get(language, (float("nan"), float("nan")))
            cells.append(f"{language} WER {wer:5.2f} CER {cer:5.2f}")
        right, total = scored["lid"]
        latin, serbian = scored["latin"]
        cells += [
            f"LID {right}/{total}",
            f"sr in Latin {latin}/{serbian}",
            f"RTF {scored['rtf']:.3f}",
            f"peak {scored['peak_mib']:.0f} MiB",
        ]
        if dataset == "vocabulary":
            missed, count = term_errors(items, result)
            cells.append(f"vocabulary words missed {missed}/{count}")
        rows.append(" | ".join(cells))
    print(f"audio: {sum(i['duration_s'] for i in items):.1f} s")
    print("\n".join(rows))


def build_long_session(minutes: int) -> list[Any]:
    """30 s chunk files of a ``minutes``-long session: one sentence per chunk, some across edges."""
    import numpy as np
    import soundfile

    from kuvend.domain import AudioChunk
    from kuvend.synthetic import ALBANIAN_SENTENCES, SERBIAN_SENTENCES, speak

    rate, chunk_s = 16_000, 30.0
    folder = WORK / f"memory-{minutes}min"
    count = int(minutes * 60 / chunk_s)
    chunks = [
        AudioChunk(i, folder / f"chunk{i:04d}.wav", i * chunk_s, chunk_s) for i in range(count)
    ]
    if (folder / "done").exists():
        return chunks
    folder.mkdir(parents=True, exist_ok=True)
    voices = []
    for number, (sq, sr) in enumerate(zip(ALBANIAN_SENTENCES, SERBIAN_SENTENCES, strict=True)):
        for language, text, voice in (("sq", sq, "sq+m3"), ("sr", sr, "sr+f3")):
            path = folder / f"voice-{language}{number}.wav"
            speak(text, voice, path)
            voices.append(soundfile.read(str(path), dtype="float32")[0])
    spill = np.zeros(0, dtype=np.float32)
    for chunk in chunks:
        samples = np.zeros(int(chunk_s * rate), dtype=np.float32)
        samples[: len(spill)] = spill[: len(samples)]
        sentence = voices[chunk.index % len(voices)]
        # Every third sentence starts 2 s before the chunk's end and runs into the next chunk.
        start = int((28.0 if chunk.index % 3 == 2 else 8.0 + chunk.index % 7) * rate)
        end = min(len(samples), start + len(sentence))
        samples[start:end] = sentence[: end - start]
        spill = sentence[end - start :]
        soundfile.write(str(chunk.path), samples, rate, subtype="PCM_16")
    (folder / "done").touch()
    return chunks


def memory_run(minutes: int, args: argparse.Namespace) -> dict[str, Any]:
    """Transcribe the long session chunk by chunk, keeping nothing; report time and peak RSS."""
    from models import resolve_whisper_model
    from transcribe import TranscribeOptions, load_whisper, transcribe_chunks

    chunks = build_long_session(minutes)
    model_dir = resolve_whisper_model(args.model, models_dir=_models_dir(), cache_dir=CACHE)
    engine = load_whisper(model_dir, device=args.device)
    started = time.perf_counter()
    segments = words = 0
    for segment in transcribe_chunks(engine, chunks, TranscribeOptions(batch_size=args.batch_size)):
        segments += 1
        words += len(segment.words)
    return {
        "minutes": minutes,
        "chunks": len(chunks),
        "segments": segments,
        "words": words,
        "seconds": time.perf_counter() - started,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def memory(args: argparse.Namespace) -> None:
    print("## memory: chunk-by-chunk transcription, 30 s chunks with one sentence each")
    peaks = []
    for minutes in args.minutes:
        build_long_session(minutes)  # outside the measured process
        command = [sys.executable, __file__, "memory", "--run-minutes", str(minutes)]
        command += ["--model", args.model, "--device", args.device]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        result = json.loads(output.stdout.strip().splitlines()[-1])
        peaks.append(result["peak_mib"])
        print(
            f"{minutes:4d} min: {result['chunks']} chunks, {result['segments']} segments, "
            f"{result['words']} words, {result['seconds']:.0f} s "
            f"(RTF {result['seconds'] / (minutes * 60):.3f}), peak {result['peak_mib']:.0f} MiB"
        )
    print(f"peak ratio longest/shortest: {peaks[-1] / peaks[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=[*DATASETS, "all", "memory", "cost"])
    parser.add_argument("--model", default="base")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--system", help="internal: run one system and print JSON")
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 120])
    parser.add_argument("--run-minutes", type=int, help="internal: one memory run, as JSON")
    parser.add_argument("--turns", type=int, default=12, help="cost: sentences in the session")
    parser.add_argument("--rounds", type=int, default=2, help="cost: rounds of the four systems")
    args = parser.parse_args()
    if args.dataset == "cost":
        cost = Path(__file__).with_name("asr_cost.py")
        options = ["--turns", str(args.turns), "--rounds", str(args.rounds)]
        sys.exit(subprocess.run([sys.executable, str(cost), *options], check=False).returncode)
    if args.run_minutes:
        print(json.dumps(memory_run(args.run_minutes, args)))
        return
    if args.system:
        result = run_system(args.system, DATASETS[args.dataset](), args)
        print(json.dumps(result))
        return
    if args.dataset == "memory":
        memory(args)
        return
    for dataset in ["synthetic", "hr", "sq"] if args.dataset == "all" else [args.dataset]:
        report(dataset, args)


if __name__ == "__main__":
    main()
