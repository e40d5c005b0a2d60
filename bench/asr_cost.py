"""Cost of transcription beside faster-whisper, side by side on the same audio (issue 13).

Usage::

    .venv/bin/python bench/asr_cost.py [--turns 12] [--rounds 2]

Synthesises one bilingual espeak-ng session (``--turns`` alternating Albanian and Serbian
sentences, about 5 s each) and runs, each in its own subprocess, in rounds A B C D, A B C D …:

* ``kuvend``   – Kuvend's transcriber (``transcribe_chunks`` over 30 s chunks, guards on);
* ``process``  – the whole ``kuvend process`` command (start-up, ingest, transcription,
                 diarization, outputs), in a temporary data folder;
* ``bare``     – faster-whisper ``WhisperModel.transcribe`` (beam 5, VAD, word timestamps);
* ``batched``  – faster-whisper ``BatchedInferencePipeline`` (batch 8, beam 5, VAD, word
                 timestamps).

For each it prints CPU-seconds (user + system of the child), wall time, encoder passes (windows
through Whisper's encoder, counted by wrapping CTranslate2's model wherever it is given mel
features) and the seconds of window they read (``enc_s``: a 30 s pass reads 30, a window cut
to its audio less), peak resident memory, WER and CER against the script (text lower-cased,
punctuation removed, Serbian folded to Latin; flagged segments' best-effort words left out, so
that flagged speech counts as deleted words) and seconds flagged for review.
The machine is shared: compare the ratios within one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ["HF_HUB_OFFLINE"] = "1"

CACHE = Path(os.environ.get("KUVEND_CACHE_DIR", "~/.cache/kuvend")).expanduser()
WORK = CACHE / "bench-asr-cost"
SYSTEMS = ("kuvend", "process", "bare", "batched")


def session(turns: int) -> dict[str, Any]:
    """The synthetic session (made once) and its reference."""
    from kuvend.synthetic import bilingual_dialogue, synthesize_session

    target = WORK / f"session-{turns}.wav"
    made = synthesize_session(bilingual_dialogue(turns), target)
    return {
        "path": str(made.path),
        "duration_s": made.duration_s,
        "reference": " ".join(turn.text for turn in made.turns),
    }


def _model_dir() -> Path:
    from models import resolve_whisper_model

    return resolve_whisper_model("base", models_dir=None, cache_dir=CACHE)


#: Encoder passes of this process: rows of mel features that went through Whisper's encoder.
ENCODER_PASSES = [0]
#: Seconds of window (audio and padding) those passes read.
ENCODED_S = [0.0]


def _count_encoder_passes() -> None:
    """Wrap every faster-whisper model made from now on so that its encoder passes are counted.

    CTranslate2 encodes in ``encode`` and, when given mel features rather than an encoder
    output, in ``generate``, ``detect_language`` and ``align`` too: every such row is one pass.
    """
    import faster_whisper

    made = faster_whisper.WhisperModel.__init__

    def counted(model: Any, *args: Any, **kwargs: Any) -> None:
        made(model, *args, **kwargs)
        inner = model.model

        class Counting:
            def __getattr__(self, name: str) -> Any:
                method = getattr(inner, name)
                if name not in ("encode", "generate", "detect_language", "align"):
                    return method

                def call(features: Any, *rest: Any, **options: Any) -> Any:
                    # Mel features are (batch, n_mels, frames); an encoder output is
                    # (batch, frames / 2, width), with no mel dimension.
                    if (
                        name == "encode"
                        or features.shape[1] == model.feature_extractor.mel_filters.shape[0]
                    ):
                        ENCODER_PASSES[0] += int(features.shape[0])
                        # Mel frames are 10 ms: a pass costs about what its window lasts.
                        ENCODED_S[0] += int(features.shape[0]) * int(features.shape[2]) / 100
                    return method(features, *rest, **options)

                return call

        model.model = Counting()

    faster_whisper.WhisperModel.__init__ = counted


def child(system: str, item: dict[str, Any]) -> dict[str, Any]:
    """Run one system in this process; returns its text and figures."""
    _count_encoder_passes()
    flagged = 0.0
    if system == "process":
        from cli import command

        with tempfile.TemporaryDirectory() as folder:
            os.environ.update({"KUVEND_DATA_DIR": folder, "KUVEND_CACHE_DIR": str(CACHE)})
            out = Path(folder) / "out"
            # The command itself, in this process, so that its encoder passes are counted.
            with contextlib.redirect_stdout(sys.stderr):
                command().main(["process", item["path"], "--out", str(out)], standalone_mode=False)
            minutes = json.loads((out / "minutes.json").read_text("utf-8"))
        text = " ".join(s["text"] for s in minutes["segments"] if not s.get("flag"))
        flagged = sum(s["end"] - s["start"] for s in minutes["segments"] if s.get("flag"))
    elif system == "kuvend":
        from transcribe import TranscribeOptions, load_whisper, transcribe_chunks

        engine = load_whisper(_model_dir(), device="cpu", compute_type="int8", cpu_threads=2)
        chunks = _chunks(item)
        segments = list(transcribe_chunks(engine, chunks, TranscribeOptions()))
        # Flagged text is a best effort kept for the reviewer, not part of the minutes' text.
        text = " ".join(s.text for s in segments if not s.flag)
        flagged = sum(s.end_s - s.start_s for s in segments if s.flag)
    else:
        import faster_whisper

        model = faster_whisper.WhisperModel(
            str(_model_dir()), device="cpu", compute_type="int8", cpu_threads=2
        )
        options = {"beam_size": 5, "vad_filter": True, "word_timestamps": True}
        if system == "batched":
            pipeline = faster_whisper.BatchedInferencePipeline(model)
            segments, _ = pipeline.transcribe(item["path"], batch_size=8, **options)
        else:
            segments, _ = model.transcribe(item["path"], **options)
        text = " ".join(s.text for s in segments)
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "text": text,
        "flagged_s": flagged,
        "encoder_passes": ENCODER_PASSES[0],
        "encoded_s": ENCODED_S[0],
        "peak_mib": peak_kib / 1024,  # Linux reports KiB
    }


def _chunks(item: dict[str, Any]) -> list[Any]:
    """30 s chunk files of the session, as ingest cuts them."""
    from kuvend.domain import AudioChunk

    chunks = []
    offset, index = 0.0, 0
    while offset < item["duration_s"] - 0.01:
        length = min(30.0, item["duration_s"] - offset)
        path = WORK / f"chunk-{Path(item['path']).stem}-{index:03d}.wav"
        if not path.exists():
            subprocess.run(
                ["sox", item["path"], str(path), "trim", f"{offset:.3f}", f"{length:.3f}"],
                check=True,
            )
        chunks.append(AudioChunk(index, path, offset, length))
        offset += length
        index += 1
    return chunks


def measure(system: str, item: dict[str, Any]) -> dict[str, Any]:
    """Run ``system`` in a subprocess: its result plus CPU-seconds, wall time and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", system, json.dumps(item)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["wall_s"] = wall
    return result


def errors(reference: str, hypothesis: str) -> tuple[float, float]:
    """``(WER, CER)`` after lower-casing, removing punctuation and folding Serbian to Latin."""
    import jiwer

    from kuvend.text import serbian_to_latin

    def norm(text: str) -> str:
        kept = "".join(c if c.isalnum() or c.isspace() else " " for c in text.lower())
        return " ".join(serbian_to_latin(kept).split())

    ref, hyp = norm(reference), norm(hypothesis) or "-"
    return float(jiwer.wer(ref, hyp)), float(jiwer.cer(ref, hyp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], json.loads(args.child[1]))))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    item = session(args.turns)
    print(f"audio: {item['duration_s']:.1f} s, {args.turns} turns; rounds: {args.rounds}")
    runs: dict[str, list[dict[str, Any]]] = {system: [] for system in SYSTEMS}
    for _ in range(args.rounds):
        for system in SYSTEMS:
            runs[system].append(measure(system, item))
    base = min(r["cpu_s"] for r in runs["batched"])
    print(
        f"{'system':9} {'cpu_s':>7} {'x batched':>9} {'wall_s':>7} {'encoder':>7} {'enc_s':>6} "
        f"{'peak MiB':>8} {'WER':>5} {'CER':>5} {'flagged s':>9}"
    )
    for system, results in runs.items():
        cpu = min(r["cpu_s"] for r in results)
        wer, cer = errors(item["reference"], results[0]["text"])
        print(
            f"{system:9} {cpu:7.1f} {cpu / base:9.2f} {min(r['wall_s'] for r in results):7.1f} "
            f"{results[0]['encoder_passes'] or '-':>7} {results[0]['encoded_s']:6.0f} "
            f"{max(r['peak_mib'] for r in results):8.0f} "
            f"{wer:5.2f} {cer:5.2f} {results[0]['flagged_s']:9.1f}"
        )


if __name__ == "__main__":
    main()
