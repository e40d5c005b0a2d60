"""Media files for ingest tests, generated with the real ffmpeg (lavfi sources, no downloads)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def ffmpeg(*arguments: str) -> None:
    """Run ffmpeg quietly; raise with its stderr if it fails."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *arguments],
        check=True,
        capture_output=True,
    )


def tone(
    target: Path, duration_s: float, *, frequency_hz: int = 440, rate_hz: int = 44_100
) -> Path:
    """A sine tone (any container ffmpeg infers from ``target``'s extension)."""
    ffmpeg("-f", "lavfi", "-i", f"sine=f={frequency_hz}:d={duration_s}:r={rate_hz}", str(target))
    return target


def silent_audio(target: Path, duration_s: float) -> Path:
    """Digital silence, stereo 48 kHz."""
    ffmpeg("-f", "lavfi", "-i", f"anullsrc=r=48000:cl=stereo:d={duration_s}", str(target))
    return target


def video_with_audio(target: Path, duration_s: float, *, faststart: bool = False) -> Path:
    """A small H.264 + AAC MP4 (test pattern and a tone)."""
    extra = ["-movflags", "+faststart"] if faststart else []
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=d={duration_s}:s=160x120:r=10",
        "-f", "lavfi", "-i", f"sine=f=300:d={duration_s}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", *extra,
        str(target),
    )  # fmt: skip
    return target


def video_without_audio(target: Path, duration_s: float) -> Path:
    """An H.264 MP4 with no audio track."""
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=d={duration_s}:s=160x120:r=10",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(target),
    )  # fmt: skip
    return target


def speech_with_pauses(target: Path, pattern: list[tuple[float, float]]) -> Path:
    """Alternating "speech" (a warbling tone) and silence: ``pattern`` is (sound_s, pause_s)."""
    parts = []
    for number, (sound_s, pause_s) in enumerate(pattern):
        parts.append(
            f"sine=f={200 + 37 * number}:d={sound_s}:r=16000,volume=0.5,"
            f"apad=pad_dur={pause_s}[p{number}]"
        )
    labels = "".join(f"[p{n}]" for n in range(len(pattern)))
    graph = ";".join(parts) + f";{labels}concat=n={len(pattern)}:v=0:a=1"
    ffmpeg("-filter_complex", graph, str(target))
    return target
