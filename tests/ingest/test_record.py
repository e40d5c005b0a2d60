"""The live recorder against real servers on loopback: HLS over HTTP, RTMP through nginx,
SRT and plain HTTP from ffmpeg itself. The stream is cut by killing its publisher; the
recorder must reconnect, record the gaps where they happened and keep the rest.

These tests run in real time (a minute or so each for the cut scenarios).
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ffmpeg
import numpy as np
import pytest
import soundfile
from faster_whisper.vad import VadOptions, get_speech_timestamps

from ingest import IngestOptions, LiveAudio
from ingest.manifest import Recording, read_manifest
from ingest.record import DiskFullError, record_stream
from kuvend.domain import AudioChunk, Gap
from tests.utils.streams import (
    Publisher,
    free_port,
    http_folder,
    nginx_rtmp,
    require_nginx_rtmp,
)

# Short chunks and quick reconnects, so that a test of a few cuts fits in a minute.
LIVE = IngestOptions(
    chunk_s=4.0,
    stall_timeout_s=2.0,
    connect_timeout_s=10.0,
    reconnect_initial_s=0.25,
    reconnect_max_s=0.5,
    min_free_disk_bytes=0,
)
TOLERANCE_S = 1.0


class _Run:
    """record_stream in a thread, with what its callbacks saw."""

    def __init__(self, url: str, out_dir: Path, options: IngestOptions = LIVE) -> None:
        self.stop = threading.Event()
        self.chunks: list[AudioChunk] = []
        self.gaps: list[Gap] = []
        self.audio: list[LiveAudio] = []
        self.result: Recording | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(url, out_dir, options))
        self._thread.start()

    def _run(self, url: str, out_dir: Path, options: IngestOptions) -> None:
        try:
            self.result = record_stream(
                url, out_dir, options,
                on_chunk=self.chunks.append, on_gap=self.gaps.append,
                on_audio=self.audio.append, stop=self.stop,
            )  # fmt: skip
        except BaseException as error:  # handed to the test's thread
            self.error = error

    def finish(self) -> Recording:
        self.stop.set()
        self._thread.join(60)
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def _speech_seconds(chunk: AudioChunk) -> float:
    audio, _ = soundfile.read(chunk.path, dtype="float32")
    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300))
    return sum(span["end"] - span["start"] for span in spans) / 16_000


def _assert_cuts_recorded(recording: Recording, publisher: Publisher) -> None:
    chunks, gaps = recording.chunks, recording.gaps
    # What the callbacks saw is what the recording says, and what recording.json says.
    manifest = read_manifest(chunks[0].path.parent.parent / "recording.json")
    assert manifest.chunks == chunks and manifest.gaps == gaps and manifest.finished

    # Chunks: numbered in order, 16 kHz mono, their lengths what the files hold.
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        info = soundfile.info(chunk.path)
        assert (info.samplerate, info.channels) == (16_000, 1)
        assert info.frames == round(chunk.duration_s * 16_000)
        assert chunk.duration_s <= LIVE.chunk_s + 0.1

    # Contiguous, except exactly at the recorded gaps.
    pending_gaps = list(gaps)
    assert chunks[0].offset_s == 0.0
    for before, after in itertools.pairwise(chunks):
        if after.offset_s == pytest.approx(before.end_s, abs=1e-6):
            continue
        gap = pending_gaps.pop(0)
        assert (gap.start_s, gap.end_s) == pytest.approx((before.end_s, after.offset_s))
    assert pending_gaps == []

    # The gaps are the real cuts, on the wall clock, within a second.
    cuts = publisher.cuts()
    assert len(gaps) == len(cuts) == 2, (gaps, cuts)
    for gap, (cut_start, cut_end) in zip(gaps, cuts, strict=True):
        assert abs(gap.start_s - cut_start) < TOLERANCE_S, (gap, cut_start)
        assert abs(gap.end_s - cut_end) < TOLERANCE_S, (gap, cut_end)
        assert gap.reason

    # Everything that was sent was recorded: the session minus its gaps.
    sent_s = sum(end - start for start, end in publisher.sent())
    assert abs(recording.recorded_s - sent_s) < TOLERANCE_S, (recording.recorded_s, sent_s)
    gap_s = sum(g.end_s - g.start_s for g in gaps)
    assert recording.recorded_s == pytest.approx(recording.duration_s - gap_s, abs=1e-6)

    # After each reconnect the recording carries on with speech, not silence or noise.
    for gap in gaps:
        resumed = next(c for c in chunks if c.offset_s >= gap.end_s - 1e-6)
        assert _speech_seconds(resumed) > 1.0, resumed

    # Each connection's original stream is kept for the archive, placed on the session clock.
    assert [part.offset_s for part in recording.parts] == pytest.approx(
        [0.0, *(gap.end_s for gap in gaps)]
    )
    for part in recording.parts:
        assert part.path.stat().st_size > 10_000


def _assert_live_audio_is_the_chunks(audio: list[LiveAudio], recording: Recording) -> None:
    """The live audio blocks (issue 18) are the chunks' samples, at the same session times,
    each once, and together all of them."""
    chunks = {round(c.offset_s * 16_000): c for c in recording.chunks}
    samples = {start: soundfile.read(c.path, dtype="float32")[0] for start, c in chunks.items()}
    assert sum(len(block.samples) for block in audio) == sum(len(s) for s in samples.values())
    for before, after in itertools.pairwise(audio):
        assert after.start_s >= before.end_s - 1e-6, (before.end_s, after.start_s)
    for block in audio:
        first = round(block.start_s * 16_000)
        start = max(s for s in samples if s <= first)
        held = samples[start][first - start : first - start + len(block.samples)]
        np.testing.assert_allclose(block.samples, held, atol=1e-4)


def _cut_twice(publisher: Publisher, run: _Run) -> Recording:
    time.sleep(1.0)  # the recorder is already trying when the broadcast begins
    publisher.start()
    time.sleep(9.0)
    publisher.cut(4.0)
    time.sleep(9.0)
    publisher.cut(4.0)
    time.sleep(8.0)
    publisher.kill()
    time.sleep(1.0)
    return run.finish()


@pytest.mark.slow
def test_hls_recording_survives_two_cuts(tmp_path: Path, speech: Path) -> None:
    served = tmp_path / "origin"
    served.mkdir()
    with http_folder(served) as base:
        publisher = Publisher(speech, str(served / "live.m3u8"), "hls")
        run = _Run(f"{base}/live.m3u8", tmp_path / "recording")
        try:
            recording = _cut_twice(publisher, run)
        finally:
            run.stop.set()
            publisher.kill()
    _assert_cuts_recorded(recording, publisher)
    _assert_live_audio_is_the_chunks(run.audio, recording)
    assert run.chunks == list(recording.chunks) and run.gaps == list(recording.gaps)
    assert recording.stop_reason == "stopped"


@pytest.mark.slow
def test_rtmp_recording_survives_two_cuts(tmp_path: Path, speech: Path) -> None:
    require_nginx_rtmp()
    with nginx_rtmp(tmp_path / "nginx") as base:
        publisher = Publisher(speech, f"{base}/session", "rtmp")
        run = _Run(f"{base}/session", tmp_path / "recording")
        try:
            recording = _cut_twice(publisher, run)
        finally:
            run.stop.set()
            publisher.kill()
    _assert_cuts_recorded(recording, publisher)
    assert run.chunks == list(recording.chunks) and run.gaps == list(recording.gaps)


@contextlib.contextmanager
def _ffmpeg_server(speech: Path, *output: str) -> Iterator[None]:
    """ffmpeg sending ``speech`` in real time to an output it serves itself (listen mode)."""
    process = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", str(speech), *output],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield
    finally:
        process.kill()
        process.wait()


_SERVED: dict[str, Callable[[int], tuple[list[str], str]]] = {
    "srt": lambda port: (
        ["-c:a", "aac", "-f", "mpegts", f"srt://127.0.0.1:{port}?mode=listener"],
        f"srt://127.0.0.1:{port}?mode=caller",
    ),
    "http": lambda port: (
        ["-c:a", "libmp3lame", "-f", "mp3", "-listen", "1", f"http://127.0.0.1:{port}/live.mp3"],
        f"http://127.0.0.1:{port}/live.mp3",
    ),
}


@pytest.mark.parametrize("protocol", sorted(_SERVED))
def test_other_protocols_record_and_stop_keeping_the_last_partial_chunk(
    tmp_path: Path, speech: Path, protocol: str
) -> None:
    port = free_port()
    output, url = _SERVED[protocol](port)
    with _ffmpeg_server(speech, *output):
        run = _Run(url, tmp_path / "recording")
        deadline = time.monotonic() + 30
        while len(run.chunks) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # into the third chunk
        recording = run.finish()
    # Whole chunks, then the partial one the stop closed, kept.
    *whole, last = recording.chunks
    assert len(whole) >= 2
    assert [c.duration_s for c in whole] == pytest.approx([LIVE.chunk_s] * len(whole), abs=0.05)
    assert 0.5 < last.duration_s < LIVE.chunk_s - 0.5, last
    assert recording.gaps == ()
    assert _speech_seconds(recording.chunks[0]) > 1.0
    assert recording.stop_reason == "stopped"


def test_an_mpegts_stream_joined_between_keyframes_gives_audio_at_once_and_keeps_its_video(
    tmp_path: Path, speech: Path
) -> None:
    """SRT and UDP carry MPEG-TS, of which ffmpeg reads 5 s before writing anything unless told
    otherwise; live captions wait for that. Probed for 1 s, a stream joined between two
    keyframes has no video size yet: its archive stays MPEG-TS, which does not need one."""
    broadcast = tmp_path / "broadcast.ts"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(speech),
         "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-shortest",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "100", "-sc_threshold", "0",
         "-c:a", "aac", "-f", "mpegts", str(broadcast)],
        check=True,
    )  # fmt: skip
    port = free_port()
    # UDP is sent whether anyone listens or not: the recorder joins a broadcast in progress,
    # between the keyframes at 0 s and 4 s.
    with _ffmpeg_server(broadcast, "-c", "copy", "-f", "mpegts", f"udp://127.0.0.1:{port}"):
        time.sleep(1.0)
        started = time.monotonic()
        run = _Run(f"udp://127.0.0.1:{port}", tmp_path / "recording")
        deadline = started + 30
        while not run.audio and time.monotonic() < deadline:
            time.sleep(0.05)
        first_audio_after_s = time.monotonic() - started
        while len(run.chunks) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        recording = run.finish()
    assert first_audio_after_s < 3.0  # 5.5 s with ffmpeg's default probe
    assert len(recording.chunks) >= 3 and recording.gaps == ()
    (part,) = recording.parts
    assert part.path.suffix == ".ts"
    streams = {s["codec_type"]: s for s in ffmpeg.probe(str(part.path))["streams"]}
    assert (streams["video"]["width"], streams["video"]["height"]) == (160, 120)
    assert streams["audio"]["codec_name"] == "aac"
    archived_s = float(ffmpeg.probe(str(part.path))["format"]["duration"])
    assert archived_s == pytest.approx(recording.recorded_s, abs=1.5)


def test_a_stream_whose_audio_lags_its_video_is_recorded_after_a_longer_probe(
    tmp_path: Path, speech: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A broadcast whose audio starts 2 s after its video: a 1 s probe finds no audio
    parameters and ffmpeg cannot start; the recorder connects again, with ffmpeg's own probe
    from then on, and records the stream."""
    broadcast = tmp_path / "late-audio.ts"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
         "-itsoffset", "2", "-i", str(speech), "-t", "40", "-map", "0:v", "-map", "1:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
         "-f", "mpegts", str(broadcast)],
        check=True,
    )  # fmt: skip
    port = free_port()
    # The recorder is already listening when the broadcast begins.
    run = _Run(f"udp://127.0.0.1:{port}", tmp_path / "recording")
    with _ffmpeg_server(broadcast, "-c", "copy", "-f", "mpegts", f"udp://127.0.0.1:{port}"):
        deadline = time.monotonic() + 40
        while len(run.chunks) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        recording = run.finish()
    assert len(recording.chunks) >= 2
    assert _speech_seconds(recording.chunks[0]) > 1.0
    streams = {s["codec_type"] for s in ffmpeg.probe(str(recording.parts[0].path))["streams"]}
    assert streams == {"audio", "video"}
    assert "probing it for as long as ffmpeg does" in caplog.text


def test_refuses_to_start_below_the_disk_floor(tmp_path: Path) -> None:
    options = IngestOptions(min_free_disk_bytes=2**62)
    with pytest.raises(DiskFullError, match="KUVEND_MIN_FREE_DISK_BYTES"):
        record_stream("rtmp://127.0.0.1:9/none", tmp_path / "rec", options, stop=threading.Event())
    assert not (tmp_path / "rec" / "chunks").exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs), so that the recorder can fill it."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_stops_cleanly_when_the_disk_floor_is_crossed(small_disk: Path, speech: Path) -> None:
    port = free_port()
    output, url = _SERVED["srt"](port)
    # 2 MB disk, 1.5 MB floor: the 16 kHz chunks and the original fill the rest in ~10 s.
    options = IngestOptions(chunk_s=2.0, stall_timeout_s=2.0, min_free_disk_bytes=1536 * 1024)
    with _ffmpeg_server(speech, *output):
        run = _Run(url, small_disk / "rec", options)
        run._thread.join(40)
        recording = run.finish()
    assert "free" in (recording.stop_reason or ""), recording.stop_reason
    assert len(recording.chunks) >= 2
    for chunk in recording.chunks:
        assert soundfile.info(chunk.path).frames == round(chunk.duration_s * 16_000)
    assert read_manifest(small_disk / "rec" / "recording.json").finished
    assert np.isclose(recording.recorded_s, recording.duration_s)


@pytest.mark.slow
def test_a_pause_joined_up_inside_one_connection_still_becomes_a_gap(
    tmp_path: Path, speech: Path
) -> None:
    # The encoder restarts after 2.5 s and the origin appends to the same playlist after a
    # discontinuity tag. ffmpeg reads on and joins the two stretches' timestamps up: the pause
    # is invisible in the media, and only the wall clock shows it.
    options = IngestOptions(
        chunk_s=4.0, stall_timeout_s=6.0, max_drift_s=1.0, connect_timeout_s=10.0,
        reconnect_initial_s=0.25, reconnect_max_s=0.5, min_free_disk_bytes=0,
    )  # fmt: skip
    served = tmp_path / "origin"
    served.mkdir()
    with http_folder(served) as base:
        publisher = Publisher(speech, str(served / "live.m3u8"), "hls", continuous=True)
        run = _Run(f"{base}/live.m3u8", tmp_path / "recording", options)
        try:
            time.sleep(1.0)
            publisher.start()
            time.sleep(8.0)
            publisher.cut(2.5)
            time.sleep(24.0)  # the drift shows once the pause has left the 15 s window
            publisher.kill()
            time.sleep(1.0)
            recording = run.finish()
        finally:
            run.stop.set()
            publisher.kill()
    ((cut_start, cut_end),) = publisher.cuts()
    assert len(recording.gaps) == 1, recording.gaps
    gap = recording.gaps[0]
    assert "paused and resumed" in gap.reason
    # Where the pause was is known only to the window (15 s); its length to about a second.
    assert cut_end - cut_start - 1.0 < gap.end_s - gap.start_s < cut_end - cut_start + 1.5
    # And the clock after it is the wall clock again: the session ends when the stream did.
    sent_end = publisher.sent()[-1][1]
    assert abs(recording.duration_s - sent_end) < TOLERANCE_S, (recording.duration_s, sent_end)
