"""``IngestOptions``: every tunable of ingest, frozen, with units in the names."""

from __future__ import annotations

from dataclasses import dataclass

from kuvend.config import Settings
from kuvend.domain import SAMPLE_RATE_HZ

__all__ = ["SAMPLE_RATE_HZ", "IngestOptions"]


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How media is checked, cut and recorded. Build it with :meth:`from_settings` in the app."""

    chunk_s: float = 30.0
    """Target chunk length. 30 s is Whisper's window: a longer chunk costs a second window."""
    cut_search_s: float = 5.0
    """Files only: a chunk may end up to this much earlier (at most half a chunk), at the
    quietest moment, so that a cut falls between words rather than inside one. 0 cuts at
    exactly ``chunk_s``."""
    min_last_chunk_s: float = 5.0
    """Files only: a cut is made only where at least this much audio (at most half a chunk)
    follows it before the end or a hole in the timestamps, so the chunk before either runs up
    to this much past ``chunk_s`` rather than leave a few seconds on their own (too little
    speech to tell who spoke, diarized apart from the rest)."""
    stream_scan_s: float = 300.0
    """Audio scanned per stream to choose the one with speech (all of a shorter file, else
    windows spread through it)."""
    min_gap_s: float = 1.0
    """A hole or forward jump in a stream's timestamps this long or longer is a gap."""
    silence_dbfs: float = -60.0
    """A chunk with no 10 ms frame louder than this is silence: it is not written."""
    accept_truncated: bool = False
    """Process a file whose audio ends before its header says (the minutes say so)."""
    max_duration_s: float = 12 * 3600.0
    """Longest accepted media (a long session is six hours; twelve leaves room)."""
    max_bytes: int = 8 * 1024**3
    """Largest accepted upload."""
    min_free_disk_bytes: int = 1024**3
    """The recorder refuses to start, and stops cleanly, below this much free space."""
    player_bitrate_kbps: int = 64
    """AAC bit rate of the page's player file (mono speech: 64 kb/s is transparent enough)."""
    stall_timeout_s: float = 8.0
    """Live: no new media for this long counts as a dropped stream and forces a reconnect."""
    max_drift_s: float = 3.0
    """Live: media this far behind the wall clock means the source paused and resumed inside
    one connection (ffmpeg joins such pauses up); the recorder reconnects to re-anchor the
    session clock, and the pause becomes a gap."""
    connect_timeout_s: float = 20.0
    """Live: a connection with no media this long after ffmpeg started is a failed attempt
    (ffmpeg first probes a few seconds of the stream, and RTMP probes up to 5 s)."""
    reconnect_initial_s: float = 0.5
    """Live: first wait before reconnecting; doubles on each failure up to the maximum."""
    reconnect_max_s: float = 10.0
    """Live: longest wait between reconnection attempts (the recorder never gives up)."""

    def __post_init__(self) -> None:
        if self.chunk_s <= 1.0:
            raise ValueError(f"chunk_s must be over 1 second, not {self.chunk_s}")
        if self.cut_search_s < 0.0:
            raise ValueError(f"cut_search_s must not be negative, not {self.cut_search_s}")
        if self.min_last_chunk_s < 0.0:
            raise ValueError(f"min_last_chunk_s must not be negative, not {self.min_last_chunk_s}")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: float | int | bool) -> IngestOptions:
        """Options from the process settings (``KUVEND_CHUNK_SECONDS`` …), then ``overrides``."""
        values: dict[str, float | int | bool] = {
            "chunk_s": settings.chunk_seconds,
            "max_duration_s": settings.max_duration_s,
            "max_bytes": settings.max_upload_bytes,
            "min_free_disk_bytes": settings.min_free_disk_bytes,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
