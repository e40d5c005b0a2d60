"""Live audio as it arrives: the samples of the chunk ffmpeg is writing, read while it grows.

The recorder's chunks close every ``chunk_s`` (10–30 s), far too late for captions. ffmpeg
writes each chunk's WAV packet by packet (``flush_packets=1``), so the samples already written
can be read at any time after the ``data`` tag; a :class:`SegmentTap` follows one connection's
segments in order and hands out only what it has not handed out before, placed on the session
clock the way the recorder places the chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ingest.options import SAMPLE_RATE_HZ

_HEADER_SEARCH_BYTES = 512
_BYTES_PER_SAMPLE = 2


@dataclass(frozen=True)
class LiveAudio:
    """16 kHz mono samples (float32, -1..1) whose first one lies at ``start_s`` on the session
    clock. Consecutive blocks of one connection follow each other without a gap."""

    start_s: float
    samples: npt.NDArray[np.float32]

    @property
    def end_s(self) -> float:
        """Session time just after the last sample."""
        return self.start_s + len(self.samples) / SAMPLE_RATE_HZ


AudioCallback = Callable[[LiveAudio], None]


@dataclass
class SegmentTap:
    """Reads the WAV segments ``seg-00000.wav``, ``seg-00001.wav`` … of one connection's
    working folder in order, each while ffmpeg writes it."""

    work_dir: Path
    segment: int = 0
    """Number of the segment being read."""
    read: int = 0
    """Samples of that segment already handed out."""
    position: int = 0
    """Samples of the connection already handed out (or trimmed)."""

    def take(self, base_s: float, trim: int) -> LiveAudio | None:
        """What the open segment has gained since the last call, or ``None``.

        ``base_s`` places the connection's first sample on the session clock; its first
        ``trim`` samples repeat audio already recorded and are skipped.
        """
        path = self.work_dir / f"seg-{self.segment:05d}.wav"
        return self._block(_read_pcm(path, self.read, None), base_s, trim)

    def drain(self, path: Path, samples: int, base_s: float, trim: int) -> LiveAudio | None:
        """The rest of the segment at ``path`` (closed, ``samples`` long); the next one is
        read from then on. Call before the segment is moved or rewritten."""
        rest = max(0, samples - self.read)
        block = self._block(_read_pcm(path, self.read, rest), base_s, trim)
        self.segment += 1
        self.read = 0
        return block

    def _block(self, pcm: npt.NDArray[np.int16], base_s: float, trim: int) -> LiveAudio | None:
        start = self.position
        self.read += len(pcm)
        self.position += len(pcm)
        skip = min(len(pcm), max(0, trim - start))
        if len(pcm) <= skip:
            return None
        samples = pcm[skip:].astype(np.float32) / 32768.0
        return LiveAudio(base_s + (start + skip) / SAMPLE_RATE_HZ, samples)


def _read_pcm(path: Path, first: int, count: int | None) -> npt.NDArray[np.int16]:
    """16-bit samples ``first`` … (``count`` of them, or all there are) of a WAV file that may
    still be being written; empty while it has no ``data`` tag yet."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_SEARCH_BYTES)
            tag = head.find(b"data")
            if tag < 0:
                return np.zeros(0, np.int16)
            handle.seek(tag + 8 + first * _BYTES_PER_SAMPLE)
            size = -1 if count is None else count * _BYTES_PER_SAMPLE
            data = handle.read(size)
    except FileNotFoundError:
        return np.zeros(0, np.int16)
    data = data[: len(data) - len(data) % _BYTES_PER_SAMPLE]
    return np.frombuffer(data, dtype="<i2")
