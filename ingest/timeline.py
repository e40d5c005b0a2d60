"""Where a stream's decoded audio lies on the container's presentation clock.

ffmpeg decodes a stream's packets end to end: a hole in the timestamps (packets lost, a
paused encoder) or a jump (a transport stream's clock reset) vanishes from the decoded audio,
and everything after it would land early. The packet timestamps (read by ffprobe, without
decoding) say where each hole is; the cutter places the audio after it later by the hole's
length and records the hole as a gap.
"""

from __future__ import annotations

import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from ingest._ffmpeg import FfmpegProcess
from kuvend.errors import MediaError

_READ_BYTES = 1024 * 1024
_MEASURE_RATE_HZ = 8_000  # counting samples only: a low rate keeps the pipe small


@dataclass(frozen=True, slots=True)
class Break:
    """A hole in a stream's timestamps: after ``decoded_s`` seconds of decoded audio the clock
    skips ``gap_s`` seconds."""

    decoded_s: float
    gap_s: float


def timestamp_breaks(path: Path, index: int, min_gap_s: float) -> list[Break]:
    """The holes of at least ``min_gap_s`` in audio stream ``a:index``'s packet timestamps.

    A backward jump is not a hole (ffmpeg decodes across it); it is ignored.
    """
    command = [
        "ffprobe", "-v", "error", "-select_streams", f"a:{index}",
        "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", str(path),
    ]  # fmt: skip
    breaks: list[Break] = []
    decoded = 0.0
    previous: float | None = None
    previous_length: float | None = None
    recent: list[float] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as probe:
        assert probe.stdout is not None
        for line in probe.stdout:
            pts, length = _fields(line)
            if pts is None:
                continue
            if previous is not None:
                step = pts - previous
                # Transport streams omit some packets' durations: use the recent typical step.
                usual = previous_length or (statistics.median(recent) if recent else step)
                if step - usual >= min_gap_s:
                    decoded += usual
                    breaks.append(Break(decoded_s=decoded, gap_s=step - usual))
                elif step > 0:
                    decoded += step
                    recent = [*recent[-15:], step]
            previous, previous_length = pts, length
    return breaks


def decoded_duration_s(path: Path, index: int) -> float:
    """Seconds of audio stream ``a:index`` that really decode (the header is not asked).

    ``MediaError`` when nothing decodes.
    """
    total, error = decoded_s(path, index)
    if total == 0.0:
        raise MediaError(f"{path.name} has no audio to process ({error or 'no audio decodes'})")
    return total


def decoded_s(path: Path, index: int, from_s: float = 0.0) -> tuple[float, str]:
    """Seconds of stream ``a:index`` that decode from ``from_s`` on (container time), and
    ffmpeg's last error line (empty if none)."""
    source = ffmpeg.input(str(path), ss=f"{from_s:.3f}") if from_s else ffmpeg.input(str(path))
    graph = source[f"a:{index}"].output(
        "pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=_MEASURE_RATE_HZ
    )
    process = FfmpegProcess(graph, stdout_pipe=True)
    total = 0
    while block := process.stdout.read(_READ_BYTES):
        total += len(block)
    process.wait()
    return total / (2 * _MEASURE_RATE_HZ), process.last_error()


def _fields(line: bytes) -> tuple[float | None, float | None]:
    parts = line.decode("ascii", "replace").strip().split(",")
    values: list[float | None] = []
    for part in ([*parts, "", ""])[:2]:
        try:
            values.append(float(part))
        except ValueError:
            values.append(None)
    return values[0], values[1]


__all__ = ["Break", "decoded_duration_s", "decoded_s", "timestamp_breaks"]
