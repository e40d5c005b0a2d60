"""One connection to a live stream: a single ffmpeg process with two outputs.

- 16 kHz mono WAV chunks through the segment muxer, listed in a CSV as each one closes (a chunk
  is complete when its line is in the list, not when its file appears);
- a stream copy of the audio and video, the original kept for the archive: MPEG-TS as it came
  where the source carries MPEG-TS (SRT, UDP, RIST), Matroska otherwise.

ffmpeg reads ``analyzeduration`` of a new stream (5 s by default) before it writes anything, and
on MPEG-TS it always reads all of it (the format has no header that says when every stream has
been seen). Live captions wait for that, so an MPEG-TS source is probed for 1 s only. Joined
between two keyframes, its video may then have no size yet, which a Matroska header needs and
MPEG-TS does not: hence the archive stays in the source's own container. A stream whose audio
lags its video by a second or more has no audio parameters after 1 s and its outputs fail to
start (``probe_fell_short``); the recorder then connects again with ffmpeg's own probe.

ffmpeg reports its progress (``-progress pipe:1``) twice a second; from it the connection knows
how much media it has received and, by comparing with the wall clock, *when* its first sample
was live: ``zero = min(wall_now - media_received)``. Taking the minimum discards network
jitter and the burst of buffered history (an HLS playlist's window) a reconnect receives first.
That zero is what places a connection's chunks on the session clock after a gap.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import logging
import math
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import ffmpeg
import numpy as np
import soundfile

from ingest._ffmpeg import FfmpegProcess
from ingest.options import SAMPLE_RATE_HZ, IngestOptions

log = logging.getLogger(__name__)

_PROGRESS_PERIOD_S = 0.5
_SETTLED_S = 4.0  # the zero estimate is trusted once it has not improved for this long
_SETTLED_BY_S = 0.2  # ... by more than this
_DRIFT_WINDOW_S = 15.0  # longer than the longest HLS segment: bursts average out within it
_STOP_GRACE_S = (1.0, 3.0)  # seconds to wait after the first and the second SIGINT
_TS_SCHEMES = frozenset({"srt", "udp", "rist"})  # their payload is MPEG-TS by convention
# Long enough for an audio frame of a muxer's default interleaving (ffmpeg's mpegts max_delay is
# 0.7 s); first live audio came 1.35-1.47 s after connecting to a local SRT/UDP stream, 5.5 s
# with ffmpeg's default.
_TS_PROBE_S = 1.0
# What ffmpeg (at log level "error") says when an output cannot start: after a short probe,
# because a stream's parameters were not found yet.
_OUTPUT_FAILED = ("Error initializing output stream", "Could not write header")
_COMPONENT = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*")


@dataclass(frozen=True, slots=True)
class ListedSegment:
    """A closed WAV segment of one connection and its length in samples."""

    path: Path
    samples: int


class Connection:
    """ffmpeg reading ``url`` into ``work_dir`` (segments) and ``original`` (stream copy)."""

    def __init__(
        self,
        url: str,
        work_dir: Path,
        original: Path,
        options: IngestOptions,
        *,
        from_live_edge: bool = False,
        short_probe: bool = True,
    ) -> None:
        self.url = url
        self.work_dir = work_dir
        self.original = original
        work_dir.mkdir(parents=True, exist_ok=True)
        original.parent.mkdir(parents=True, exist_ok=True)
        self._list = work_dir / "segments.csv"
        self._list_read = 0
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        self.started_at = time.monotonic()
        self._media_s = 0.0
        self._last_advance = self.started_at
        self._zero = math.inf
        self._zero_improved_at = self.started_at
        self._lags: collections.deque[tuple[float, float]] = collections.deque()
        self.short_probe = short_probe and _carries_mpegts(url)
        graph = _graph(
            url, work_dir, self._list, original, options, from_live_edge, self.short_probe
        )
        self.process = FfmpegProcess(graph, stdout_pipe=True)
        self._reader = threading.Thread(target=self._read_progress, daemon=True)
        self._reader.start()

    # What the connection has received.

    @property
    def media_s(self) -> float:
        """Seconds of media received so far."""
        with self._lock:
            return self._media_s

    def seconds_since_media(self) -> float:
        """Wall-clock seconds since the media last advanced (since the start if it never did)."""
        with self._lock:
            return time.monotonic() - self._last_advance

    def zero(self) -> float | None:
        """Monotonic wall time at which this connection's first sample was live, or ``None``."""
        with self._lock:
            return None if math.isinf(self._zero) else self._zero

    def zero_settled(self) -> bool:
        """True once the zero estimate has stopped improving (the buffered burst is over)."""
        with self._lock:
            return (
                not math.isinf(self._zero)
                and time.monotonic() - self._zero_improved_at >= _SETTLED_S
            )

    def drift_s(self) -> float:
        """How far the media has fallen behind the wall clock since the connection began.

        A source that pauses and resumes within one connection (an RTMP origin holding its
        players while the encoder reconnects) has its timestamps joined up by ffmpeg, so the
        pause vanishes from the media; it shows as the recent lag (wall clock minus media
        received, at best over the last 15 s) exceeding the connection's best lag.
        """
        with self._lock:
            if not self._lags or self._lags[-1][0] - self.started_at < _DRIFT_WINDOW_S:
                return 0.0
            return min(lag for _, lag in self._lags) - self._zero

    def take_listed(self) -> list[ListedSegment]:
        """Segments whose lines have appeared in the segment list since the last call."""
        try:
            with self._list.open("rb") as handle:
                handle.seek(self._list_read)
                data = handle.read()
        except FileNotFoundError:
            return []
        complete = data[: data.rfind(b"\n") + 1]
        self._list_read += len(complete)
        listed = []
        for row in csv.reader(io.StringIO(complete.decode("utf-8"))):
            if row:
                path = self.work_dir / row[0]
                self._taken.add(path.name)
                listed.append(ListedSegment(path, soundfile.info(path).frames))
        return listed

    # Its life.

    def exit_code(self) -> int | None:
        """ffmpeg's exit status, or ``None`` while it runs."""
        return self.process.popen.poll()

    def finish(self) -> list[ListedSegment]:
        """Stop ffmpeg as after Ctrl-C (it closes the last chunk and lists it) and return the
        segments listed since the last :meth:`take_listed`. If ffmpeg does not stop in time it
        is killed. A chunk it was writing but did not list (killed, or interrupted inside a read)
        is recovered from its file."""
        # ffmpeg finishes cleanly on SIGINT, but only a second one interrupts a blocking read
        # (its interrupt callback wants more signals than "initialised"); a fourth would make
        # it exit at once without closing its files, so two it is, then a kill.
        for grace_s in _STOP_GRACE_S:
            if self.process.popen.poll() is not None:
                break
            self.process.popen.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.popen.wait(grace_s)
        if self.process.popen.poll() is None:
            log.info("ffmpeg did not stop after two interrupts; killing it")
            self.process.kill()
        self.process.wait()
        listed = self.take_listed()
        return listed + self._recover_unlisted(listed)

    def _recover_unlisted(self, listed: list[ListedSegment]) -> list[ListedSegment]:
        known = {segment.path.name for segment in listed} | self._taken
        recovered = []
        for path in sorted(self.work_dir.glob("seg-*.wav")):
            if path.name in known:
                continue
            samples = _rewrite_unfinished_wav(path)
            if samples:
                recovered.append(ListedSegment(path, samples))
        return recovered

    def last_error(self) -> str:
        """Why ffmpeg failed, in one line: what it found wrong where ffmpeg says so before
        its last line (a name that does not resolve, no audio), else that last line."""
        lines = self.process.stderr_lines()
        if self.probe_fell_short():
            return "its first second did not show every stream's parameters"
        if any("matches no streams" in line for line in lines):
            return "it has no audio"
        resolving = [line for line in lines if "Failed to resolve hostname" in line]
        line = resolving[-1] if resolving else self.process.last_error()
        # ffmpeg names the input or its component first ("srt://…: Input/output error",
        # "[srt @ 0x55…] Failed to resolve …"); the caller knows which.
        return _COMPONENT.sub("", line).removeprefix(f"{self.url}: ")

    def probe_fell_short(self) -> bool:
        """True if this connection probed 1 s and ffmpeg could not start its outputs."""
        lines = self.process.stderr_lines()
        return self.short_probe and any(
            marker in line for line in lines for marker in _OUTPUT_FAILED
        )

    def discard_work(self) -> None:
        """Remove the connection's working folder (its chunks have been moved out)."""
        with contextlib.suppress(OSError):
            shutil.rmtree(self.work_dir)

    def _read_progress(self) -> None:
        for raw in self.process.stdout:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key != "out_time_us" or not value.lstrip("-").isdigit():
                continue
            now = time.monotonic()
            media = max(0.0, int(value) / 1e6)
            with self._lock:
                if media > self._media_s:
                    self._media_s = media
                    self._last_advance = now
                    if now - media < self._zero - _SETTLED_BY_S:
                        self._zero_improved_at = now
                    self._zero = min(self._zero, now - media)
                    self._lags.append((now, now - media))
                    while self._lags[0][0] < now - _DRIFT_WINDOW_S:
                        self._lags.popleft()


def _rewrite_unfinished_wav(path: Path) -> int:
    """Make a WAV that ffmpeg was killed while writing readable; returns its sample count.

    Its header still says "no data" (ffmpeg fills the sizes in when it closes the file), but
    the samples after the ``data`` tag are intact up to the last flushed block.
    """
    content = path.read_bytes()
    start = content.find(b"data")
    if start < 0:
        path.unlink()
        return 0
    pcm = content[start + 8 :]
    pcm = pcm[: len(pcm) - len(pcm) % 2]
    samples = np.frombuffer(pcm, dtype="<i2")
    if not len(samples):
        path.unlink()
        return 0
    soundfile.write(path, samples, SAMPLE_RATE_HZ, subtype="PCM_16", format="WAV")
    return len(samples)


def _graph(
    url: str,
    work_dir: Path,
    segment_list: Path,
    original: Path,
    options: IngestOptions,
    from_live_edge: bool,
    short_probe: bool,
) -> object:
    source = ffmpeg.input(url, **_input_options(url, from_live_edge, short_probe))
    chunks = source["a:0"].output(
        str(work_dir / "seg-%05d.wav"),
        format="segment",
        segment_format="wav",
        segment_time=f"{options.chunk_s:.3f}",
        segment_list=str(segment_list),
        segment_list_type="csv",
        reset_timestamps=1,
        # Write every packet through, so a killed ffmpeg leaves its current chunk on disk.
        segment_format_options="flush_packets=1",
        acodec="pcm_s16le",
        ac=1,
        ar=SAMPLE_RATE_HZ,
        # Holes in the timestamps become silence, so a chunk's sample count is its media time.
        af="aresample=async=1:first_pts=0",
    )
    # Written through (short clusters in Matroska): a killed ffmpeg loses at most a second.
    container: dict[str, object] = (
        {"format": "mpegts"}
        if _carries_mpegts(url)
        else {"format": "matroska", "cluster_time_limit": 1000}
    )
    archive = ffmpeg.output(
        source["a"], source["v?"], str(original), c="copy", flush_packets=1, **container
    )
    return ffmpeg.merge_outputs(chunks, archive).global_args(
        "-nostats", "-progress", "pipe:1", "-stats_period", f"{_PROGRESS_PERIOD_S}"
    )


def archive_suffix(url: str) -> str:
    """File suffix of the archived stream copy of ``url``: ``.ts`` or ``.mkv``."""
    return ".ts" if _carries_mpegts(url) else ".mkv"


def _carries_mpegts(url: str) -> bool:
    return urlsplit(url).scheme.lower() in _TS_SCHEMES


def _input_options(url: str, from_live_edge: bool, short_probe: bool) -> dict[str, object]:
    scheme = urlsplit(url).scheme.lower()
    if scheme in _TS_SCHEMES:
        return {"analyzeduration": round(_TS_PROBE_S * 1e6)} if short_probe else {}
    if scheme in {"rtsp", "rtsps"}:
        # Interleaved TCP survives NAT and loss better than RTP over UDP.
        return {"rtsp_transport": "tcp"}
    if url.lower().split("?")[0].endswith(".m3u8"):
        # Start from the oldest segment still listed: after a reconnect that recovers what the
        # drop missed; the overlap with what was already recorded is trimmed by the recorder.
        # Not after a pause the playlist joined up (a discontinuity): its window would be
        # joined up again, so the recording restarts at the live edge.
        return {"live_start_index": -1 if from_live_edge else 0}
    return {}


__all__ = ["Connection", "ListedSegment", "archive_suffix"]
