"""``record_stream``: record a live stream into chunks on the session clock until stopped.

The session clock starts at the first sample received. Each connection to the stream is one
ffmpeg process (``ingest._connection``); its chunks are placed at ``base + samples before``,
where ``base`` is the wall-clock time its first sample was live, measured against the first
connection's. So after a drop the offsets stay true to the wall clock, and the time between
the last chunk of one connection and the first of the next is a recorded ``Gap``. A reconnect
that receives media already recorded (an HLS window) has that overlap trimmed off; a gap
shorter than ``_SNAP_S`` is within the estimate's noise and is closed instead.

Drops (ffmpeg exits, or no media for ``stall_timeout_s``) are followed by reconnection with
exponential backoff (tenacity) until ``stop`` is set. A pause that ffmpeg joins up inside one
connection (an HLS discontinuity, an origin that holds its players) leaves the media behind
the wall clock; past ``max_drift_s`` the recorder reconnects at the live edge and the pause
becomes a gap there (placed up to 15 s late, but the clock after it is true again).

Stopping closes the last, partial chunk and keeps it. Free disk space is checked before
starting (refused below the floor) and once a second while recording (a clean stop, everything
kept).

Layout of ``out_dir``: ``chunks/chunk-00000.wav`` … (16 kHz mono, session-wide numbering),
``original/part-000.ts`` or ``.mkv`` … (each connection's stream copy: MPEG-TS from an SRT, UDP
or RIST source, else Matroska), ``recording.json`` (chunks, gaps
and parts, rewritten atomically after every change) and ``.live/`` (ffmpeg's working files).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import soundfile
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from ingest._connection import Connection, ListedSegment, archive_suffix
from ingest.manifest import RecordedPart, Recording, write_manifest
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from ingest.tap import AudioCallback, LiveAudio, SegmentTap
from kuvend.domain import AudioChunk, Gap
from kuvend.errors import TransientError
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)

_SNAP_S = 0.25
_TICK_S = 0.2

_T = TypeVar("_T")
ChunkCallback = Callable[[AudioChunk], None]
GapCallback = Callable[[Gap], None]


class StreamDroppedError(TransientError):
    """A connection failed or ended before the recording was stopped."""


class DiskFullError(TransientError):
    """Free disk space is under the configured floor."""


def check_free_space(folder: Path, options: IngestOptions) -> None:
    """``DiskFullError`` if ``folder``'s file system has less than the floor free."""
    free = shutil.disk_usage(folder).free
    if free < options.min_free_disk_bytes:
        raise DiskFullError(
            f"only {free / 1024**3:.2f} GB free in {folder}; recording needs at least "
            f"{options.min_free_disk_bytes / 1024**3:.2f} GB (KUVEND_MIN_FREE_DISK_BYTES)"
        )


def record_stream(
    url: str,
    out_dir: Path,
    options: IngestOptions,
    *,
    on_chunk: ChunkCallback = lambda chunk: None,
    on_gap: GapCallback = lambda gap: None,
    on_audio: AudioCallback | None = None,
    stop: threading.Event,
    hook: StageHook = no_hook,
) -> Recording:
    """Record ``url`` (HLS, RTMP, RTSP, SRT, HTTP; audio or video) into ``out_dir`` until
    ``stop`` is set, the free space falls under the floor, or never otherwise.

    ``on_chunk`` is called with each chunk as soon as it is closed and placed on the session
    clock; ``on_gap`` with each gap once the recording resumes (or at the stop); ``on_audio``
    with the live audio in blocks of a fifth of a second, in order, before the chunks holding
    it close (``ingest.tap``). A failing callback is logged and does not interrupt the
    recording. Returns the whole ``Recording``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    check_free_space(out_dir, options)
    recorder = _Recorder(url, out_dir, options, on_chunk, on_gap, stop, hook, on_audio)
    log.info("recording %s into %s (%.0f s chunks)", url, out_dir, options.chunk_s)
    return recorder.run()


@dataclass
class _Placement:
    """Where a connection's samples go on the session clock."""

    base_s: float | None = None
    received: int = 0
    """Samples of the connection taken so far (placed or trimmed)."""
    trim: int = 0
    """Leading samples of the connection that repeat what was already recorded."""
    tap: SegmentTap | None = None


@dataclass
class _Recorder:
    url: str
    out_dir: Path
    options: IngestOptions
    on_chunk: ChunkCallback
    on_gap: GapCallback
    stop: threading.Event
    hook: StageHook
    on_audio: AudioCallback | None = None
    chunks: list[AudioChunk] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    parts: list[RecordedPart] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stop_reason: str = "stopped"
    callback_errors: int = 0
    _zero: float | None = None
    """Monotonic wall time of the session clock's 0 (the first connection's first sample)."""
    _end_s: float = 0.0
    """Session time of the end of the last placed chunk."""
    _first: Connection | None = None
    """The first connection, until the next one needs its final zero estimate."""
    _drop_reason: str | None = None
    _drifted: bool = False
    """The last connection was dropped for drifting: reconnect at the live edge."""
    _short_probe: bool = True
    """Connect with a 1 s probe (MPEG-TS sources); off once it fell short on this stream."""
    _connections: int = 0

    def run(self) -> Recording:
        self._write()
        while not self.stop.is_set():
            connection = self._connect()
            if connection is None:
                break
            self._follow(connection)
        zero = self._zero if self._first is None else self._first.zero()
        if self._drop_reason is not None and zero is not None:
            # Stopped while the stream was down: the outage up to now is a gap too.
            self._add_gap(self._end_s, time.monotonic() - zero)
        recording = self._write(finished=True)
        log.info(
            "recording stopped (%s): %d chunks, %.1f s, %d gaps",
            self.stop_reason,
            len(self.chunks),
            recording.duration_s,
            len(self.gaps),
        )
        return recording

    # Connecting.

    def _connect(self) -> Connection | None:
        """A connection that delivers media, retrying with backoff; ``None`` once stopped."""
        retrying = Retrying(
            retry=retry_if_exception_type(StreamDroppedError),
            wait=wait_exponential(
                multiplier=self.options.reconnect_initial_s, max=self.options.reconnect_max_s
            ),
            stop=lambda state: self.stop.is_set(),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._open)
        except StreamDroppedError:
            return None  # stopped during a failing attempt
        except DiskFullError as error:
            self._stop_for(str(error))
            return None

    def _open(self) -> Connection | None:
        if self.stop.is_set():
            return None
        check_free_space(self.out_dir, self.options)
        number = self._connections
        self._connections += 1
        connection = Connection(
            self.url,
            self.out_dir / ".live" / f"conn-{number:03d}",
            self.out_dir / "original" / f"part-{number:03d}{archive_suffix(self.url)}",
            self.options,
            from_live_edge=self._drifted,
            short_probe=self._short_probe,
        )
        while connection.media_s <= 0.0:
            reason = self._trouble(connection)
            if reason is not None:
                connection.finish()
                connection.discard_work()
                connection.original.unlink(missing_ok=True)
                if connection.probe_fell_short():
                    log.warning(
                        "the first second of the stream did not show all its streams; "
                        "probing it for as long as ffmpeg does (5 s) from now on"
                    )
                    self._short_probe = False
                    # At once, not after the backoff: a UDP stream sends on meanwhile.
                    return self._open()
                raise StreamDroppedError(reason)
            if self.stop.is_set():
                connection.finish()
                connection.discard_work()
                connection.original.unlink(missing_ok=True)
                return None
            self.stop.wait(_TICK_S)
        log.info("connected to %s (connection %d)", self.url, number)
        self.hook("connected", number)
        return connection

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)  # a stop cuts the backoff short

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("stream unavailable (%s); retrying in %.1f s", error, wait)
        self.hook("retrying", str(error))
        if self._drop_reason is None and error is not None and self.chunks:
            self._drop_reason = str(error)

    def _trouble(self, connection: Connection) -> str | None:
        code = connection.exit_code()
        if code == 0:
            return "the stream ended"
        if code is not None:
            return f"the stream failed: {connection.last_error() or f'ffmpeg exit {code}'}"
        if connection.media_s <= 0.0:
            if connection.seconds_since_media() > self.options.connect_timeout_s:
                return f"no media {self.options.connect_timeout_s:.0f} s after connecting"
        elif connection.seconds_since_media() > self.options.stall_timeout_s:
            return f"no media for {self.options.stall_timeout_s:.0f} s"
        elif (drift := connection.drift_s()) > self.options.max_drift_s:
            self._drifted = True
            return f"the stream paused and resumed {drift:.1f} s behind the wall clock"
        return None

    # Following a connection that delivers media.

    def _follow(self, connection: Connection) -> None:
        placement = _Placement()
        if self.on_audio is not None:
            placement.tap = SegmentTap(connection.work_dir)
        pending: list[ListedSegment] = []
        while True:
            pending += connection.take_listed()
            # Placed as soon as its zero is known, not when its first chunk closes: the live
            # audio (captions) cannot wait a chunk's length.
            placed = self._place(connection, placement, final=False)
            if pending and placed:
                self._emit(pending, placement)
                pending = []
            if placement.tap is not None and placement.base_s is not None:
                self._hear(placement.tap.take(placement.base_s, placement.trim))
            reason = self._trouble(connection)
            if reason is None and not self.stop.is_set():
                try:
                    check_free_space(self.out_dir, self.options)
                except DiskFullError as error:
                    self._stop_for(str(error))
                else:
                    self.stop.wait(_TICK_S)
                    continue
            pending += connection.finish()
            if pending and self._place(connection, placement, final=True):
                self._emit(pending, placement)
            connection.discard_work()
            self._keep_original(connection, placement)
            if reason is not None and not self.stop.is_set():
                log.warning("stream dropped: %s; reconnecting", reason)
                self._drop_reason = reason
                self.hook("dropped", reason)
            return

    def _place(self, connection: Connection, placement: _Placement, *, final: bool) -> bool:
        """Decide where the connection starts on the session clock (once its zero is known)."""
        if placement.base_s is not None:
            return True
        zero = connection.zero()
        if zero is None:
            return False
        if self._zero is None and self._first is None:
            # The first connection defines the session clock: its chunks go out at once, and
            # its zero (the session's 0 on the wall clock) is read again, refined, at the
            # next reconnect. Later connections wait until their own zero has settled.
            placement.base_s = 0.0
            self._first = connection
            return True
        if self._first is not None:
            self._zero = self._first.zero()
            self._first = None
        if not (final or connection.zero_settled()):
            return False
        assert self._zero is not None
        base = zero - self._zero
        if self.chunks:
            if base < self._end_s:
                placement.trim = round((self._end_s - base) * SAMPLE_RATE_HZ)
                log.info("reconnect repeats %.1f s already recorded; trimmed", self._end_s - base)
            elif base - self._end_s < _SNAP_S:
                base = self._end_s
            else:
                self._add_gap(self._end_s, base)
        self._drop_reason = None
        self._drifted = False
        placement.base_s = base
        return True

    def _emit(self, segments: list[ListedSegment], placement: _Placement) -> None:
        assert placement.base_s is not None
        for segment in segments:
            if placement.tap is not None:
                tap = placement.tap
                self._hear(
                    tap.drain(segment.path, segment.samples, placement.base_s, placement.trim)
                )
            start = placement.received
            placement.received += segment.samples
            skip = max(0, placement.trim - start)
            kept = segment.samples - skip
            if kept <= 0:
                segment.path.unlink(missing_ok=True)
                continue
            if skip:
                samples, _ = soundfile.read(segment.path, dtype="int16", start=skip)
                soundfile.write(segment.path, samples, SAMPLE_RATE_HZ, subtype="PCM_16")
            target = self.out_dir / "chunks" / f"chunk-{len(self.chunks):05d}.wav"
            target.parent.mkdir(exist_ok=True)
            segment.path.replace(target)
            chunk = AudioChunk(
                index=len(self.chunks),
                path=target,
                offset_s=placement.base_s + (start + skip) / SAMPLE_RATE_HZ,
                duration_s=kept / SAMPLE_RATE_HZ,
            )
            self.chunks.append(chunk)
            self._end_s = chunk.end_s
            self._write()
            self.hook("chunk", chunk)
            self._call(self.on_chunk, chunk)

    def _keep_original(self, connection: Connection, placement: _Placement) -> None:
        if placement.base_s is None or not connection.original.exists():
            connection.original.unlink(missing_ok=True)
            return
        self.parts.append(
            RecordedPart(
                path=connection.original,
                offset_s=placement.base_s,
                trim_s=placement.trim / SAMPLE_RATE_HZ,
            )
        )
        self._write()

    # Bookkeeping.

    def _add_gap(self, start_s: float, end_s: float) -> None:
        if end_s - start_s < _SNAP_S:
            return
        gap = Gap(start_s, end_s, self._drop_reason or "the stream dropped")
        log.warning("gap of %.1f s at %.1f s: %s", end_s - start_s, start_s, gap.reason)
        self.gaps.append(gap)
        self._end_s = end_s
        self._write()
        self.hook("gap", gap)
        self._call(self.on_gap, gap)

    def _hear(self, audio: LiveAudio | None) -> None:
        if audio is not None and self.on_audio is not None:
            self._call(self.on_audio, audio)

    def _stop_for(self, reason: str) -> None:
        log.warning("stopping the recording: %s", reason)
        self.stop_reason = reason
        self.stop.set()

    def _call(self, callback: Callable[[_T], None], value: _T) -> None:
        # Recording must go on whatever a consumer does with a chunk; the chunk stays on disk.
        try:
            callback(value)
        except Exception:
            self.callback_errors += 1
            log.exception("a recorder callback failed on %s", value)

    def _write(self, *, finished: bool = False) -> Recording:
        recording = Recording(
            url=self.url,
            started_at=self.started_at,
            chunks=tuple(self.chunks),
            gaps=tuple(self.gaps),
            parts=tuple(self.parts),
            finished=finished,
            stop_reason=self.stop_reason if finished else None,
            callback_errors=self.callback_errors,
        )
        write_manifest(recording, self.out_dir / "recording.json")
        return recording
