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


def video_with_tracks(target: Path, duration_s: float, *tracks: Path | str) -> Path:
    """An MP4 with a test-pattern video of ``duration_s`` and one AAC stream per track: a file,
    or an ffmpeg lavfi source (e.g. ``"anoisesrc=a=0.002:r=16000"``), in that order."""
    inputs: list[str] = ["-f", "lavfi", "-i", f"testsrc=d={duration_s}:s=160x120:r=10"]
    maps = ["-map", "0:v"]
    for number, track in enumerate(tracks, start=1):
        if isinstance(track, Path):
            inputs += ["-i", str(track)]
        else:
            inputs += ["-f", "lavfi", "-t", str(duration_s), "-i", track]
        maps += ["-map", f"{number}:a"]
    ffmpeg(
        *inputs, *maps, "-t", str(duration_s),
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(target),
    )  # fmt: skip
    return target


def video_with_late_audio(target: Path, duration_s: float, audio: Path, delay_s: float) -> Path:
    """An MP4 whose video starts at 0 and whose audio stream starts ``delay_s`` later (as some
    cameras write it: the audio's start time, not silence in the audio)."""
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=d={duration_s}:s=160x120:r=10",
        "-itsoffset", str(delay_s), "-i", str(audio),
        "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
        str(target),
    )  # fmt: skip
    return target


def transport_stream_with_jump(target: Path, first: Path, second: Path, jump_s: float) -> Path:
    """An MPEG-TS of ``first`` then ``second`` whose timestamps jump forward by ``jump_s`` between
    them (a broadcast encoder's clock reset, or a hole where packets were lost)."""
    parts = []
    offset = 0.0
    for number, audio in enumerate((first, second)):
        part = target.with_name(f"{target.stem}.part{number}.ts")
        ffmpeg("-i", str(audio), "-c:a", "aac", "-output_ts_offset", str(offset), "-f", "mpegts",
               str(part))  # fmt: skip
        parts.append(part)
        offset = _duration_s(audio) + jump_s
    target.write_bytes(b"".join(part.read_bytes() for part in parts))
    for part in parts:
        part.unlink()
    return target


def streamed_webm(target: Path, audio: Path) -> Path:
    """WebM/Opus written to a pipe, as a browser's MediaRecorder writes it: no duration in the
    header and no cues."""
    with target.open("wb") as out:
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", str(audio), "-c:a", "libopus",
             "-f", "webm", "pipe:1"],
            check=True, stdout=out, stderr=subprocess.PIPE,
        )  # fmt: skip
    return target


def truncated_copy(source: Path, target: Path, keep_bytes: int) -> Path:
    """The first ``keep_bytes`` of ``source`` (a transfer cut short); the header is intact."""
    target.write_bytes(source.read_bytes()[:keep_bytes])
    return target


def surround_with_centre(target: Path, speech: Path) -> Path:
    """5.1 audio with ``speech`` in the centre channel, loud tones in the front and back pairs
    and nothing in the LFE (a broadcast mix)."""
    tone = "sine=f={}:r=16000,volume=0.5"
    graph = (
        f"{tone.format(1000)}[fl];{tone.format(1200)}[fr];anullsrc=r=16000:cl=mono[lfe];"
        f"{tone.format(1400)}[bl];{tone.format(1600)}[br];"
        "[fl][fr][0:a][lfe][bl][br]join=inputs=6:channel_layout=5.1:"
        "map=0.0-FL|1.0-FR|2.0-FC|3.0-LFE|4.0-BL|5.0-BR,atrim=end="
        f"{_duration_s(speech)}"
    )
    ffmpeg("-i", str(speech), "-filter_complex", graph, "-c:a", "flac", str(target))
    return target


def stereo_with_dead_channel(target: Path, speech: Path, *, live: str = "right") -> Path:
    """Stereo with ``speech`` in one channel (``live``: left or right) and digital silence in the
    other (a microphone plugged into one side)."""
    order = "[0:a][s]" if live == "left" else "[s][0:a]"
    graph = f"anullsrc=r=16000:cl=mono[s];{order}join=inputs=2:channel_layout=stereo,atrim=end=" + (
        f"{_duration_s(speech)}"
    )
    ffmpeg("-i", str(speech), "-filter_complex", graph, str(target))
    return target


def resampled(source: Path, target: Path, rate_hz: int, *, bits: int = 16) -> Path:
    """``source`` at another sample rate and PCM bit depth (``bits``: 16 or 24)."""
    codec = {16: "pcm_s16le", 24: "pcm_s24le"}[bits]
    ffmpeg("-i", str(source), "-ar", str(rate_hz), "-c:a", codec, str(target))
    return target


def _duration_s(path: Path) -> float:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(result.stdout.strip())
