"""Live caption latency (issue 18): word spoken → word committed by the streaming captions.

Usage::

    .venv/bin/python bench/live.py [AUDIO | --synthetic] [--seconds 60] [--streams 1,2]
                                   [--step-seconds 1] [--chunk-seconds 10] [--cpu-threads 0]
                                   [--json]

Plays AUDIO (default: real assembly speech in both languages, ``bench/live_session.py``, read
from ``../shared/eval`` or ``KUVEND_EVAL_DIR``; ``--synthetic``: an espeak-ng session, on which
Whisper takes the synthetic Serbian for Albanian, so that latency is not meaningful there) in
real time into N local SRT streams at once (ffmpeg ``-re`` serving
``srt://127.0.0.1:PORT?mode=listener``) and records each with ``ingest.record_stream``. Its
live audio (``on_audio``) feeds the streaming captions (``workers.captions.LiveCaptioner`` over
``transcribe.StreamingDecoder``), and its chunks feed the chunked pass
(``transcribe.transcribe_chunk``), which on a CPU waits for a pause in the captions, as the
recorder's orchestration does. One Whisper model serves everything.

Per number of streams it reports:

- ``committed_p50_s``/``committed_p95_s``: for each committed word, the wall time it was
  committed minus the wall time its end was live (the stream's clock zero, estimated like the
  recorder does, plus the word's end on the session clock). The word's end is taken from the
  chunked pass's word timestamps where the word is found there (the two texts aligned word by
  word; ``words_timed_by_minutes`` says for what share), else from the caption itself, whose
  word times are spread over Whisper's segments by length and so are off by up to a few
  words (``committed_p95_own_times_s`` gives the figure on the captions' own times alone).
  The first words wait for the recorder's connection: ffmpeg probes 1 s of a new MPEG-TS
  stream (SRT here; 5 s by ffmpeg's default) before it writes any (``first_audio_after_launch_s``,
  ``first_audio_block_s``), a one-off per connection that weighs on the 95th percentile of a
  short run; ``committed_p95_after_connect_s`` leaves out the words said before the first live
  audio;
- ``tentative_p95_s``: the same for the last word of each tentative tail shown (own times);
- ``keeps_up``: the committed latency of the last third of the words exceeds that of the first
  third by at most 2 s (otherwise a backlog grows without bound), and the last word was
  committed at most 10 s after the stream ended (``last_commit_after_end_s``);
- ``chunked_done_after_end_s``: how long after the stream ended the chunked pass (the draft
  minutes) had caught up;
- ``wer_committed_vs_minutes``: word error rate of the committed captions against the chunked
  pass's text (jiwer, lower case, punctuation removed); ``wer_committed_vs_reference`` and
  ``wer_minutes_vs_reference``: of each against the official transcripts of the turns that have
  one (the Croatian parliament's; the script when synthetic), words taken by their time;
- ``cpu_s_per_audio_s``: CPU-seconds of the whole process (captions, chunked pass, recorder's
  Python side) per second of audio per stream; ``cpu_s_per_audio_s_while_live``: the same
  while the streams played (captions and recorder; the chunked pass waits on a CPU): above
  the core count the captions cannot keep up, whatever the load of the machine.

The machine's load average is printed with the figures: on a shared machine the latencies are
pessimistic. Run it again on a quiet machine for figures to quote.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout: the project's packages come from its root.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import difflib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import ingest  # noqa: E402
import models  # noqa: E402
import transcribe  # noqa: E402
from bench import live_session  # noqa: E402
from kuvend.config import get_settings  # noqa: E402
from kuvend.domain import AudioChunk, Segment, Word  # noqa: E402
from kuvend.synthetic import bilingual_dialogue, synthesize_session  # noqa: E402
from workers.captions import LiveCaptioner  # noqa: E402


@dataclass
class _Stream:
    number: int
    port: int
    zero: float = float("inf")
    """Monotonic wall time at which the session clock's 0 was live."""
    committed: list[tuple[transcribe.CaptionWord, float]] = field(default_factory=list)
    """Each committed word and the wall time it was committed."""
    shown: list[tuple[float, float]] = field(default_factory=list)
    """(wall time shown, end of the tentative tail's last word on the session clock)."""
    chunks: list[AudioChunk] = field(default_factory=list)
    minutes: list[Segment] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    ended: float = float("inf")
    """Monotonic wall time at which the stream's publisher had sent everything."""
    launched: float = float("inf")
    """Monotonic wall time at which the stream's publisher was started."""
    first_heard: float = float("inf")
    """Monotonic wall time at which the first live audio reached the captions."""
    first_audio_end_s: float = float("inf")
    """Session time up to which the first live audio block reached the captions: the words
    before it waited for the recorder's connection (ffmpeg probes the start of a stream)."""
    cpu_s_live: float = 0.0
    """CPU-seconds of the process while the streams played (captions and recorder; on a CPU
    the chunked pass waits for a pause)."""


@dataclass(frozen=True, slots=True)
class _Reference:
    """What is said between two times of the session clock (seconds)."""

    start_s: float
    end_s: float
    text: str


def source_audio(
    given: Path | None, synthetic: bool, seconds: float, folder: Path
) -> tuple[Path, list[_Reference]]:
    """The audio to play (``given``, the synthesised session or the real one), cut to
    ``seconds``, and the transcripts known for stretches of it."""
    references: list[_Reference] = []
    if synthetic:
        session = synthesize_session(bilingual_dialogue(12), folder / "session.wav")
        given = session.path
        references = [
            _Reference(t.start_s, t.end_s, t.text) for t in session.turns if t.end_s <= seconds
        ]
    elif given is None:
        given = folder / "session.wav"
        turns = live_session.build(given, seconds)
        references = [
            _Reference(t.start_s, t.end_s, t.reference)
            for t in turns
            if t.reference is not None and t.end_s <= seconds
        ]
    target = folder / "played.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(given),
         "-t", f"{seconds:.1f}", "-ac", "1", "-ar", "16000", str(target)],
        check=True,
    )  # fmt: skip
    return target, references


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _publish(audio: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", str(audio), "-c:a", "aac",
         "-f", "mpegts", f"srt://127.0.0.1:{port}?mode=listener"],
    )  # fmt: skip


def run(
    count: int,
    audio: Path,
    work: Path,
    engine: transcribe.WhisperEngine,
    options: transcribe.TranscribeOptions,
    stream_options: transcribe.StreamOptions,
    live: ingest.IngestOptions,
) -> tuple[list[_Stream], float]:
    """Play ``audio`` into ``count`` streams; returns them and how long after the streams
    ended the chunked pass was done."""
    streams = [_Stream(n, free_port()) for n in range(count)]
    chunks: queue.Queue[tuple[_Stream, AudioChunk] | None] = queue.Queue()
    captioners: list[LiveCaptioner] = []
    cpu_before = os.times()
    publishers = [_publish(audio, stream.port) for stream in streams]
    for stream in streams:
        stream.launched = time.monotonic()
    time.sleep(0.5)
    recorders = []
    for stream in streams:

        def listen(update: transcribe.CaptionUpdate, at: float, s: _Stream = stream) -> None:
            s.committed += [(word, at) for word in update.committed]
            if update.tentative:
                s.shown.append((at, update.tentative[-1].end_s))

        captioner = LiveCaptioner(lambda: engine, stream_options, None, listener=listen)
        captioners.append(captioner)

        def hear(
            block: ingest.LiveAudio, s: _Stream = stream, c: LiveCaptioner = captioner
        ) -> None:
            s.zero = min(s.zero, time.monotonic() - block.end_s)
            if s.first_heard == float("inf"):
                s.first_heard, s.first_audio_end_s = time.monotonic(), block.end_s
            c.feed(block)

        def closed(chunk: AudioChunk, s: _Stream = stream) -> None:
            chunks.put((s, chunk))

        recorder = threading.Thread(
            target=ingest.record_stream,
            args=(f"srt://127.0.0.1:{stream.port}?mode=caller", work / f"s{stream.number}", live),
            kwargs={"on_chunk": closed, "on_audio": hear, "stop": stream.stop},
        )
        recorder.start()
        recorders.append(recorder)

    def chunked_pass() -> None:
        while (item := chunks.get()) is not None:
            stream, chunk = item
            while engine.device == "cpu" and not all(c.quiet() for c in captioners):
                time.sleep(0.5)
            context = transcribe.ChunkContext(
                previous=stream.chunks[-1] if stream.chunks else None, more_follows=True
            )
            stream.chunks.append(chunk)
            stream.minutes += transcribe.transcribe_chunk(engine, chunk, options, context=context)

    worker = threading.Thread(target=chunked_pass)
    worker.start()
    for publisher in publishers:
        publisher.wait()
    ended = time.monotonic()
    cpu_after = os.times()
    live_cpu_s = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
    for stream in streams:
        stream.ended = ended
        stream.cpu_s_live = live_cpu_s
    time.sleep(live.stall_timeout_s + 1.0)  # the recorders notice the end, close the last chunk
    for stream, recorder in zip(streams, recorders, strict=True):
        stream.stop.set()
        recorder.join()
    for captioner in captioners:
        captioner.finish()
    chunks.put(None)
    worker.join()
    return streams, time.monotonic() - ended


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


#: Captions keep up when their last word comes at most this long after the stream ended.
KEEP_UP_AFTER_END_S = 10.0


def _growth(lags: list[float]) -> float:
    """Mean latency of the last third minus that of the first third (in commit order)."""
    if not lags:
        return float("inf")
    third = max(1, len(lags) // 3)
    return statistics.mean(lags[-third:]) - statistics.mean(lags[:third])


def _heard(words: list[tuple[float, float, str]], references: list[_Reference]) -> str:
    """The words (start, end, text) whose middle lies within one of the referenced stretches
    (give or take half a second)."""
    return " ".join(
        text
        for start, end, text in words
        if any(r.start_s - 0.5 <= (start + end) / 2 <= r.end_s + 0.5 for r in references)
    )


def _minute_words(segments: list[Segment]) -> list[tuple[float, float, str]]:
    return [
        (w.start_s, w.end_s, w.text)
        for s in segments
        for w in (s.words or [Word(s.start_s, s.end_s, s.text, 1.0)])
    ]


def _spoken_ends(stream: _Stream) -> list[float | None]:
    """For each committed word, the end of the same word in the chunked pass's text (word
    timestamps from Whisper's cross-attention), where the two texts align on it."""
    captions = [_words(w.text) for w, _ in stream.committed]
    drafted = _minute_words(stream.minutes)
    matcher = difflib.SequenceMatcher(None, captions, [_words(text) for _, _, text in drafted])
    ends: list[float | None] = [None] * len(captions)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            ends[block.a + offset] = drafted[block.b + offset][1]
    return ends


def report(
    count: int,
    streams: list[_Stream],
    chunked_s: float,
    references: list[_Reference],
    words_to: Path | None = None,
) -> dict[str, Any]:
    """The figures of one run (``count`` streams); with ``words_to``, each committed word is
    appended to it (streams, stream, text, language, own end, end in the minutes, latency)."""
    import jiwer  # the test extra (pip install -e '.[test]'): --help works without it

    lags, timed, detail, connected = [], 0, [], []
    for s in streams:
        for (w, at), spoken in zip(s.committed, _spoken_ends(s), strict=True):
            lags.append(at - (s.zero + (w.end_s if spoken is None else spoken)))
            timed += spoken is not None
            if w.start_s >= s.first_audio_end_s:
                connected.append(lags[-1])
            detail.append((s.number, w.text, w.language, round(w.end_s, 2), spoken, lags[-1]))
    own_by_stream = [[at - (s.zero + w.end_s) for w, at in s.committed] for s in streams]
    own = [lag for lags_of_one in own_by_stream for lag in lags_of_one]
    tentative = [at - (s.zero + end) for s in streams for at, end in s.shown]
    growth = max(_growth(lags_of_one) for lags_of_one in own_by_stream)
    finish = max((at - s.ended for s in streams for _, at in s.committed), default=float("inf"))
    captions = _words(" ".join(w.text for w, _ in streams[0].committed))
    minutes = _words(" ".join(s.text for s in streams[0].minutes))
    figures: dict[str, Any] = {
        "streams": count,
        "words_committed": len(lags),
        "committed_p50_s": round(statistics.median(lags), 2) if lags else None,
        "committed_p95_s": round(_percentile(lags, 0.95), 2) if lags else None,
        "words_timed_by_minutes": round(timed / len(lags), 2) if lags else None,
        "committed_p95_own_times_s": round(_percentile(own, 0.95), 2) if own else None,
        "committed_p95_after_connect_s": (
            round(_percentile(connected, 0.95), 2) if connected else None
        ),
        "first_audio_after_launch_s": round(max(s.first_heard - s.launched for s in streams), 1),
        "first_audio_block_s": round(max(s.first_audio_end_s for s in streams), 1),
        "tentative_p95_s": round(_percentile(tentative, 0.95), 2) if tentative else None,
        "latency_growth_s": round(growth, 2),
        "keeps_up": bool(lags) and growth <= 2.0 and finish <= KEEP_UP_AFTER_END_S,
        "last_commit_after_end_s": round(finish, 1),
        "chunked_done_after_end_s": round(chunked_s, 1),
        "wer_committed_vs_minutes": round(jiwer.wer(minutes, captions), 3) if minutes else None,
    }
    if words_to is not None:
        with words_to.open("a") as out:
            for number, text, language, own_end, spoken, lag in detail:
                out.write(
                    f"{count}\t{number}\t{text}\t{language}\t{own_end}\t{spoken}\t{lag:.2f}\n"
                )
    if references:
        said = _words(" ".join(r.text for r in references))
        heard = _words(
            _heard([(w.start_s, w.end_s, w.text) for w, _ in streams[0].committed], references)
        )
        drafted = _words(_heard(_minute_words(streams[0].minutes), references))
        figures["reference_words"] = len(said.split())
        figures["wer_committed_vs_reference"] = round(jiwer.wer(said, heard), 3)
        figures["wer_minutes_vs_reference"] = round(jiwer.wer(said, drafted), 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path)
    parser.add_argument("--synthetic", action="store_true", help="an espeak-ng session")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--streams", default="1")
    defaults = transcribe.StreamOptions()
    parser.add_argument("--step-seconds", type=float, default=defaults.step_s)
    parser.add_argument("--max-buffer-seconds", type=float, default=defaults.max_buffer_s)
    parser.add_argument("--commit-after-seconds", type=float, default=defaults.commit_after_s)
    parser.add_argument("--chunk-seconds", type=float, default=10.0)
    parser.add_argument("--cpu-threads", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--words", type=Path, help="append each committed word (TSV) here")
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
    languages = ("sq", "sr")
    options = transcribe.TranscribeOptions.from_settings(
        settings, languages=languages, serbian_script="latin"
    )
    stream_options = transcribe.StreamOptions(
        languages=languages,
        step_s=arguments.step_seconds,
        max_buffer_s=arguments.max_buffer_seconds,
        commit_after_s=arguments.commit_after_seconds,
    )
    live = ingest.IngestOptions(chunk_s=arguments.chunk_seconds, stall_timeout_s=3.0,
                                min_free_disk_bytes=0)  # fmt: skip
    document: dict[str, Any] = {
        "model": f"{settings.whisper_model} on {engine.device}/{engine.compute_type}",
        "seconds_per_stream": arguments.seconds,
        "step_s": arguments.step_seconds,
        "max_buffer_s": arguments.max_buffer_seconds,
        "commit_after_s": arguments.commit_after_seconds,
        "chunk_s": arguments.chunk_seconds,
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="kuvend-live-bench-") as scratch:
        audio, references = source_audio(
            arguments.audio, arguments.synthetic, arguments.seconds, Path(scratch)
        )
        played_s = float(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(audio)],
            check=True, capture_output=True, text=True,
        ).stdout)  # fmt: skip
        document["audio"] = "synthetic" if arguments.synthetic else str(arguments.audio or "real")
        document["seconds_played"] = round(played_s, 1)
        for count in (int(n) for n in arguments.streams.split(",")):
            before = os.times()
            streams, chunked_s = run(
                count, audio, Path(scratch) / f"run{count}", engine, options, stream_options, live
            )
            after = os.times()
            figures = report(count, streams, chunked_s, references, arguments.words)
            cpu_s = after.user + after.system - before.user - before.system
            figures["cpu_s"] = round(cpu_s, 1)
            figures["cpu_s_per_audio_s"] = round(cpu_s / (played_s * count), 2)
            figures["cpu_s_per_audio_s_while_live"] = round(
                streams[0].cpu_s_live / (played_s * count), 2
            )
            figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            document["runs"].append(figures)
            if not arguments.json:
                print(json.dumps(figures, ensure_ascii=False))
            if not figures["keeps_up"]:
                break
    if arguments.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
