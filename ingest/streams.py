"""Every audio stream of a file, and the stream (and channel) that holds the speech.

Camera recordings often carry the camera's own microphone as the first audio stream and the
floor microphone as the second; broadcast files carry 5.1 with dialogue in the centre channel;
a stereo capture may have one dead channel. Each audio stream is scanned (a few minutes,
spread through the file), its channels measured, and Silero VAD (the detector the caller
passes in) counts its speech; the stream with the most speech is used unless the operator
names one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import ffmpeg
import numpy as np
import numpy.typing as npt

from ingest._ffmpeg import FfmpegProcess
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from kuvend.domain import AudioStreamInfo, MediaInfo
from kuvend.errors import MediaError

log = logging.getLogger(__name__)

#: Seconds of speech Silero VAD finds in 16 kHz mono float samples in [-1, 1].
SpeechDetector = Callable[[npt.NDArray[np.float32]], float]

#: A channel this far (dB) under the loudest one, or under -60 dBFS, carries nothing useful.
_DEAD_BELOW_DB = 30.0
_SILENT_DBFS = -60.0
_SCAN_WINDOWS = 6
_MAX_SCAN_CHANNELS = 8
#: Layouts (ffprobe's names) with a front-centre channel. In ffmpeg's native channel order
#: FL, FR, FC come first, so the centre is channel 2 in all of them.
_CENTRE_LAYOUTS = ("3.0", "3.1", "4.0", "4.1", "5.0", "5.1", "6.0", "6.1", "7.0", "7.1")


@dataclass(frozen=True, slots=True)
class AudioSelection:
    """The stream to transcribe, and which of its channels (``None``: a down-mix)."""

    stream: AudioStreamInfo
    channel: str | None
    streams: tuple[AudioStreamInfo, ...]
    """Every audio stream, with the speech found in each."""
    requested: bool
    """The operator named the stream (``--audio-stream``)."""

    def describe(self) -> str:
        """One line for the terminal: which stream is used, which are not."""
        used = f"a:{self.stream.index}" + (f" ({_channel_name(self.channel)})" * bool(self.channel))
        others = [s for s in self.streams if s.index != self.stream.index]
        unused = ", ".join(f"a:{s.index} ({s.speech_s or 0.0:.0f} s of speech)" for s in others)
        why = "as asked" if self.requested else f"{self.stream.speech_s or 0.0:.0f} s of speech"
        return f"audio stream {used} used ({why})" + (f"; not used: {unused}" if unused else "")


def audio_streams_of(report: dict[str, Any]) -> tuple[AudioStreamInfo, ...]:
    """The audio streams of an ffprobe report, in order, placed on the container's clock."""
    container_start = as_seconds(report.get("format", {}).get("start_time")) or 0.0
    audio = [s for s in report.get("streams", []) if s.get("codec_type") == "audio"]
    return tuple(
        AudioStreamInfo(
            index=number,
            codec=str(stream.get("codec_name", "")),
            channels=int(stream.get("channels") or 0),
            channel_layout=str(stream.get("channel_layout", "")),
            sample_rate=int(stream.get("sample_rate") or 0),
            language=_language(stream),
            start_s=max(
                0.0, (as_seconds(stream.get("start_time")) or container_start) - container_start
            ),
            duration_s=as_seconds(stream.get("duration")),
        )
        for number, stream in enumerate(audio)
    )


def check_audio_stream(media: MediaInfo, requested: int, *, label: str) -> None:
    """``MediaError`` naming the file as ``label`` when ``media`` has no audio stream
    ``requested`` (an ``a:N`` number)."""
    count = len(media.audio_streams)
    if not 0 <= requested < count:
        raise MediaError(
            f"{label} has no audio stream {requested}: it has {count} (numbered 0 to {count - 1})"
        )


def select_audio(
    media: MediaInfo,
    detector: SpeechDetector | None,
    options: IngestOptions,
    requested: int | None = None,
) -> AudioSelection:
    """Scan every audio stream of ``media`` and choose the one (and channel) to transcribe.

    ``requested`` (an ``a:N`` number) overrides the choice; ``MediaError`` when there is no such
    stream. Without a ``detector`` only the channels are measured (speech counts stay ``None``).
    """
    streams = media.audio_streams
    if requested is not None:
        check_audio_stream(media, requested, label=media.path.name)
    scanned: list[AudioStreamInfo] = []
    channels: dict[int, str | None] = {}
    for stream in streams:
        if detector is None and stream.index != (requested or 0):
            scanned.append(stream)
            continue
        speech_s, channels[stream.index] = _scan(media, stream, detector, options)
        scanned.append(replace(stream, speech_s=speech_s))
    if requested is not None:
        chosen = scanned[requested]
    else:
        # The most speech wins; on a tie (silence everywhere) the first stream.
        chosen = max(scanned, key=lambda s: (s.speech_s or 0.0, -s.index))
    selection = AudioSelection(
        stream=chosen,
        channel=channels.get(chosen.index),
        streams=tuple(scanned),
        requested=requested is not None,
    )
    log.info("%s: %s", media.path.name, selection.describe())
    return selection


def _scan(
    media: MediaInfo,
    stream: AudioStreamInfo,
    detector: SpeechDetector | None,
    options: IngestOptions,
) -> tuple[float | None, str | None]:
    """Speech seconds (``None`` without a detector) and the channel to use, from a scan."""
    width = min(max(stream.channels, 1), _MAX_SCAN_CHANNELS)
    blocks = [
        _decode_window(media, stream.index, start, length, width)
        for start, length in _windows(media.duration_s, options.stream_scan_s)
    ]
    samples = np.concatenate(blocks) if blocks else np.zeros((0, width), dtype=np.float32)
    channel, index = _choose_channel(stream, samples)
    mono = samples[:, index] if index is not None else samples.mean(axis=1)
    if detector is None:
        return None, channel
    if is_silent(mono, options.silence_dbfs):  # no need to ask the VAD about silence
        return 0.0, channel
    return float(detector(np.ascontiguousarray(mono))), channel


def is_silent(samples: npt.NDArray[np.float32], floor_dbfs: float) -> bool:
    """True when no 10 ms frame of ``samples`` (16 kHz, in [-1, 1]) is louder than
    ``floor_dbfs`` (mean power)."""
    frame = SAMPLE_RATE_HZ // 100
    frames = len(samples) // frame
    if frames == 0:
        return True
    power = np.square(samples[: frames * frame], dtype=np.float32).reshape(frames, frame)
    loudest = float(power.mean(1).max())
    return 10.0 * math.log10(max(loudest, 1e-12)) < floor_dbfs


def _choose_channel(
    stream: AudioStreamInfo, samples: npt.NDArray[np.float32]
) -> tuple[str | None, int | None]:
    """The channel to use (ffmpeg's name, its column) or ``(None, None)`` for a down-mix."""
    if samples.shape[1] < 2 or len(samples) == 0:
        return None, None
    rms = np.sqrt(np.mean(np.square(samples, dtype=np.float64), axis=0))
    level = 20.0 * np.log10(np.maximum(rms, 1e-9))
    alive = level > max(_SILENT_DBFS, float(level.max()) - _DEAD_BELOW_DB)
    has_centre = stream.channel_layout.split("(")[0] in _CENTRE_LAYOUTS and samples.shape[1] > 2
    if has_centre and alive[2]:
        return "FC", 2
    if samples.shape[1] == 2 and alive.sum() == 1:
        return ("FL", 0) if alive[0] else ("FR", 1)
    return None, None


def _windows(duration_s: float, scan_s: float) -> Iterator[tuple[float, float | None]]:
    """(start, length) of the stretches scanned: all of a short file, else spread windows."""
    if duration_s <= scan_s:
        yield 0.0, None
        return
    length = scan_s / _SCAN_WINDOWS
    step = (duration_s - length) / (_SCAN_WINDOWS - 1)
    for number in range(_SCAN_WINDOWS):
        yield number * step, length


def _decode_window(
    media: MediaInfo, index: int, start_s: float, length_s: float | None, width: int
) -> npt.NDArray[np.float32]:
    arguments: dict[str, Any] = {"ss": f"{start_s:.3f}"} if start_s else {}
    if length_s is not None:
        arguments["t"] = f"{length_s:.3f}"
    graph = ffmpeg.input(str(media.path), **arguments)[f"a:{index}"].output(
        "pipe:", format="s16le", acodec="pcm_s16le", ac=width, ar=SAMPLE_RATE_HZ
    )
    process = FfmpegProcess(graph, stdout_pipe=True)
    raw = process.stdout.read()
    if process.wait() != 0 and not raw:
        raise MediaError(
            f"ffmpeg could not decode audio stream {index} of {media.path.name}: "
            f"{process.last_error() or 'unknown error'}"
        )
    usable = len(raw) - len(raw) % (2 * width)
    samples = np.frombuffer(raw[:usable], dtype="<i2").reshape(-1, width)
    return samples.astype(np.float32) / 32768.0


def _language(stream: dict[str, Any]) -> str | None:
    tag = str(stream.get("tags", {}).get("language", "")).strip()
    return None if tag in {"", "und"} else tag


def _channel_name(channel: str | None) -> str:
    return {"FC": "centre channel", "FL": "left channel", "FR": "right channel"}.get(
        channel or "", "down-mix"
    )


def as_seconds(value: object) -> float | None:
    """``value`` (ffprobe's text) as a float, or ``None`` for ``N/A`` and missing values."""
    try:
        return float(str(value))
    except ValueError:
        return None
