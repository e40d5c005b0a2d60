"""Caption latency of live recording: chunk closed → its transcript available.

Usage::

    .venv/bin/python bench/live.py [AUDIO] [--seconds 120] [--chunk-seconds 10]
                                   [--streams 1,2,3,4] [--workers 1] [--cpu-threads 0]

Plays AUDIO (default: a synthesised bilingual espeak-ng session) in real time into N local
SRT streams at once (ffmpeg ``-re`` serving ``srt://127.0.0.1:PORT?mode=listener``), records
each with ``ingest.record_stream`` and transcribes every chunk as it closes with the Whisper
model of the settings (``transcribe.transcribe_chunk``, in ``--workers`` threads sharing one
loaded model, chunks first come first served). For each N it prints the latency p50/p95/max
and whether it keeps up: it does not when the latency of the last third of the chunks exceeds
that of the first third by more than half a chunk (the queue grows without bound).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout: the project's packages come from its root.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import logging  # noqa: E402
import queue  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import ingest  # noqa: E402
import models  # noqa: E402
import transcribe  # noqa: E402
from kuvend.config import get_settings  # noqa: E402
from kuvend.domain import AudioChunk  # noqa: E402
from kuvend.synthetic import bilingual_dialogue, synthesize_session  # noqa: E402


@dataclass
class _Stream:
    number: int
    port: int
    publisher: subprocess.Popen[bytes] | None = None
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    previous: AudioChunk | None = None


@dataclass(frozen=True)
class _Done:
    stream: int
    chunk: AudioChunk
    latency_s: float
    work_s: float
    closed_at: float


def source_audio(given: Path | None, seconds: float, folder: Path) -> Path:
    """The audio to play: ``given`` or a synthesised session, looped or cut to ``seconds``."""
    if given is None:
        given = synthesize_session(bilingual_dialogue(12), folder / "session.wav").path
    target = folder / "played.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(given),
         "-t", f"{seconds:.1f}", "-ac", "1", "-ar", "16000", str(target)],
        check=True,
    )  # fmt: skip
    return target


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(
    count: int,
    audio: Path,
    work: Path,
    engine: transcribe.WhisperEngine,
    options: transcribe.TranscribeOptions,
    live: ingest.IngestOptions,
    workers: int,
) -> list[_Done]:
    """Play ``audio`` into ``count`` streams, record and transcribe them; the chunks' results."""
    closed: queue.Queue[tuple[_Stream, AudioChunk, float] | None] = queue.Queue()
    done: list[_Done] = []
    streams = [_Stream(n, free_port()) for n in range(count)]
    for stream in streams:
        stream.publisher = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", str(audio), "-c:a", "aac",
             "-f", "mpegts", f"srt://127.0.0.1:{stream.port}?mode=listener"],
        )  # fmt: skip
    time.sleep(0.5)
    for stream in streams:

        def on_chunk(chunk: AudioChunk, stream: _Stream = stream) -> None:
            closed.put((stream, chunk, time.monotonic()))

        stream.thread = threading.Thread(
            target=ingest.record_stream,
            args=(f"srt://127.0.0.1:{stream.port}?mode=caller", work / f"s{stream.number}", live),
            kwargs={"on_chunk": on_chunk, "stop": stream.stop},
        )
        stream.thread.start()

    def transcriber() -> None:
        while (item := closed.get()) is not None:
            stream, chunk, closed_at = item
            context = transcribe.ChunkContext(previous=stream.previous, more_follows=True)
            stream.previous = chunk
            started = time.monotonic()
            for _segment in transcribe.transcribe_chunk(engine, chunk, options, context=context):
                pass
            finished = time.monotonic()
            done.append(
                _Done(stream.number, chunk, finished - closed_at, finished - started, closed_at)
            )

    pool = [threading.Thread(target=transcriber) for _ in range(workers)]
    for thread in pool:
        thread.start()
    for stream in streams:
        assert stream.publisher is not None
        stream.publisher.wait()
    time.sleep(live.stall_timeout_s + 1.0)  # the recorders notice the end, close the last chunk
    for stream in streams:
        stream.stop.set()
        assert stream.thread is not None
        stream.thread.join()
    for _ in pool:
        closed.put(None)
    for thread in pool:
        thread.join()
    return done


def report(count: int, done: list[_Done], chunk_s: float) -> bool:
    """Print one line for ``count`` streams; True when the transcription kept up."""
    latencies = sorted(d.latency_s for d in done)
    ordered = [d.latency_s for d in sorted(done, key=lambda d: d.closed_at)]
    third = max(1, len(ordered) // 3)
    growth = statistics.mean(ordered[-third:]) - statistics.mean(ordered[:third])
    keeps_up = growth <= chunk_s / 2
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    work = statistics.mean(d.work_s for d in done)
    print(
        f"{count:>7} {len(done):>6} {statistics.median(latencies):>8.2f} {p95:>8.2f} "
        f"{latencies[-1]:>8.2f} {work:>8.2f} {growth:>+8.2f}   {'yes' if keeps_up else 'NO'}"
    )
    return keeps_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--chunk-seconds", type=float, default=10.0)
    parser.add_argument("--streams", default="1,2,3,4")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cpu-threads", type=int, default=0)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # drops and gaps at the end of the audio are expected
    settings = get_settings()
    model_dir = models.resolve_whisper_model(
        settings.whisper_model, models_dir=settings.models_dir, cache_dir=settings.cache_dir
    )
    engine = transcribe.load_whisper(
        model_dir,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=arguments.cpu_threads or settings.whisper_cpu_threads,
    )
    options = transcribe.TranscribeOptions.from_settings(
        settings, languages=("sq", "sr"), serbian_script="latin"
    )
    live = ingest.IngestOptions(chunk_s=arguments.chunk_seconds, stall_timeout_s=3.0,
                                min_free_disk_bytes=0)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kuvend-live-bench-") as scratch:
        audio = source_audio(arguments.audio, arguments.seconds, Path(scratch))
        print(
            f"model {settings.whisper_model} on {engine.device}/{engine.compute_type}, "
            f"{arguments.workers} worker(s), {arguments.chunk_seconds:.0f} s chunks, "
            f"{arguments.seconds:.0f} s played per stream, real time"
        )
        print(" streams chunks  p50 (s)  p95 (s)  max (s)  work (s)  growth  keeps up")
        for count in (int(n) for n in arguments.streams.split(",")):
            work = Path(scratch) / f"run{count}"
            done = run(count, audio, work, engine, options, live, arguments.workers)
            if not report(count, done, arguments.chunk_seconds):
                break


if __name__ == "__main__":
    main()
