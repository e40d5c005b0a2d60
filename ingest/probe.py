"""``probe_media``: ask ffprobe what a file is before anything else touches it."""

from __future__ import annotations

import logging
import wave
from pathlib import Path
from typing import Any

import ffmpeg

from ingest.options import IngestOptions
from ingest.streams import as_seconds, audio_streams_of
from ingest.timeline import decoded_duration_s
from kuvend.domain import MediaInfo
from kuvend.errors import MediaError
from kuvend.storage.media import sha256_of
from kuvend.types import PathLike

log = logging.getLogger(__name__)

_DEFAULT_OPTIONS = IngestOptions()


def probe_media(path: PathLike, options: IngestOptions = _DEFAULT_OPTIONS) -> MediaInfo:
    """Probe ``path`` with ffprobe and hash it; ``MediaError`` (one line) if it is unusable.

    Unusable means: missing, not a regular file, empty, not media ffmpeg can read, no audio
    stream, no measurable duration, or longer than ``options.max_duration_s``. Pure silence is
    usable media (it transcribes to nothing).
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise MediaError(f"file not found: {path}")
    if not path.is_file():
        raise MediaError(f"not a regular file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{name} is empty (0 bytes)")

    report = _ffprobe(path)
    container = report["format"]
    streams = audio_streams_of(report)
    if not streams:
        kinds = sorted({str(s.get("codec_type")) for s in report.get("streams", [])}) or ["none"]
        raise MediaError(f"{name} has no audio stream (streams: {', '.join(kinds)})")
    chosen = streams[0]
    raw = next(s for s in report["streams"] if s.get("codec_type") == "audio")
    stated = _stated_duration_s(container, raw)
    header = _wav_header_duration_s(path) if "wav" in str(container.get("format_name")) else None
    measured = stated is None
    if stated is None:
        # Streamed WebM/Matroska (a browser's MediaRecorder) has no duration in its header.
        stated = decoded_duration_s(path, chosen.index)
        log.info("%s states no duration; decoding measured %.1f s", name, stated)
    duration = max(chosen.start_s + stated, as_seconds(container.get("duration")) or 0.0)
    if duration <= 0.0:
        raise MediaError(f"{name} has no audio to process (its audio decodes to 0 s)")
    if duration > options.max_duration_s:
        raise MediaError(
            f"{name} is too long: {_hours(duration)}, the limit is {_hours(options.max_duration_s)}"
        )

    info = MediaInfo(
        path=path,
        sha256=sha256_of(path),
        size_bytes=size,
        duration_s=duration,
        format_name=str(container.get("format_name", "")),
        audio_codec=chosen.codec,
        sample_rate=chosen.sample_rate,
        channels=chosen.channels,
        has_video=any(
            s.get("codec_type") == "video"
            and not s.get("disposition", {}).get("attached_pic")  # cover art is not video
            for s in report.get("streams", [])
        ),
        audio_streams=streams,
        audio_stream=chosen.index,
        header_duration_s=None if measured else max(chosen.start_s + stated, header or 0.0),
        duration_measured=measured,
    )
    log.info(
        "probed %s: %s, %s %d Hz × %d, %.1f s%s",
        name,
        info.format_name,
        info.audio_codec,
        info.sample_rate,
        info.channels,
        info.duration_s,
        ", with video" if info.has_video else "",
    )
    return info


def _ffprobe(path: Path) -> dict[str, Any]:
    try:
        report: dict[str, Any] = ffmpeg.probe(str(path))
    except ffmpeg.Error as error:
        reason = _last_line(error.stderr) or "ffprobe could not read it"
        raise MediaError(f"{path.name} is not a media file ffmpeg can read ({reason})") from None
    except FileNotFoundError:
        raise MediaError("ffprobe is not installed (apt install ffmpeg)") from None
    if "format" not in report:
        raise MediaError(f"{path.name} is not a media file ffmpeg can read")
    return report


def _stated_duration_s(container: dict[str, Any], stream: dict[str, Any]) -> float | None:
    # The audio stream's own duration is the one that matters; containers without per-stream
    # durations (Matroska, MPEG-TS) only give the format's.
    for value in (stream.get("duration"), container.get("duration")):
        seconds = as_seconds(value)
        if seconds is not None and seconds > 0.0:
            return seconds
    return None


def _wav_header_duration_s(path: Path) -> float | None:
    """What a PCM WAV's header promises (ffprobe clamps it to the bytes present)."""
    try:
        with wave.open(str(path), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None  # not plain PCM (float, extensible): ffprobe's figure stands


def _last_line(stderr: bytes | None) -> str:
    lines = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return ""
    # ffprobe prefixes the file name ("x.mp4: Invalid data found ..."); keep only the reason.
    return lines[-1].split(": ", 1)[-1].strip()


def _hours(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
