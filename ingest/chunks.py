"""``cut_audio``: decode a file's audio once to 16 kHz mono and cut it into chunks near silence.

One ffmpeg run decodes the chosen audio stream (and channel, see ``ingest.streams``) and
resamples it to raw 16-bit PCM on a pipe; the chunks are cut here, by sample count, so their
places are exact: the stream's start on the container's clock, plus the samples before, plus
the holes in the timestamps before (``ingest.timeline``). Each chunk ends at the quietest
10 ms frame of the last ``cut_search_s`` before the ``chunk_s`` mark (energy smoothed over
300 ms): a cut between words costs one numpy pass over 5 s of audio, where cutting inside a
word would cost the recogniser that word. Digital silence is all-quiet, and the latest frame
wins ties, so silent stretches are cut at exactly ``chunk_s`` (and then not written). No cut
leaves less than ``min_last_chunk_s`` (at most half a chunk) after it, before the end or a hole
in the timestamps: the chunk takes a short tail rather than leave it to be diarized alone. The live
recorder cannot look back like this and cuts at fixed times with ffmpeg's segment muxer
instead (``ingest.record``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np
import numpy.typing as npt
import soundfile

from ingest._ffmpeg import FfmpegProcess
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from ingest.streams import SpeechDetector, is_silent
from ingest.timeline import Break
from kuvend.domain import AudioChunk, Gap, MediaInfo
from kuvend.errors import MediaError, TransientError
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)

_FRAME_SAMPLES = SAMPLE_RATE_HZ // 100  # 10 ms
_SMOOTH_FRAMES = 30  # 300 ms: long enough to skip the short dips inside a word
_READ_BYTES = 2 * SAMPLE_RATE_HZ  # one second of 16-bit mono

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class AudioPlan:
    """Which audio to decode and where it lies on the session clock.

    ``stream`` is ffmpeg's ``a:N``; ``channel`` the one channel to take, by ffmpeg's name
    (``FC``, ``FL``, ``FR``; ``None``: a down-mix); ``start_s`` the clock time of the first
    decoded sample (the stream's start on the container's clock); ``breaks`` the holes in its
    timestamps.
    """

    stream: int = 0
    channel: str | None = None
    start_s: float = 0.0
    breaks: tuple[Break, ...] = ()

    def gaps(self) -> tuple[Gap, ...]:
        """The holes as gaps on the session clock."""
        gaps: list[Gap] = []
        skipped = 0.0
        for hole in self.breaks:
            start = self.start_s + hole.decoded_s + skipped
            gaps.append(Gap(round(start, 3), round(start + hole.gap_s, 3), "timestamps"))
            skipped += hole.gap_s
        return tuple(gaps)

    def clock_s(self, decoded_samples: int) -> float:
        """Session time of the decoded sample at ``decoded_samples``."""
        decoded = decoded_samples / SAMPLE_RATE_HZ
        skipped = sum(hole.gap_s for hole in self.breaks if hole.decoded_s <= decoded + 1e-6)
        return self.start_s + decoded + skipped


@dataclass(frozen=True, slots=True)
class CutAudio:
    """What cutting found: the chunks written, and the decoded audio's end on the clock."""

    chunks: tuple[AudioChunk, ...]
    decoded_s: float
    """Seconds of audio that decoded."""
    end_s: float
    """Session time of the last decoded sample."""
    silent_s: float
    """Seconds not written: silence, or sound before any speech."""


def cut_audio(
    media: MediaInfo,
    out_dir: Path,
    options: IngestOptions,
    *,
    plan: AudioPlan | None = None,
    detector: SpeechDetector | None = None,
    hook: StageHook = no_hook,
) -> CutAudio:
    """Decode ``plan``'s audio once and cut it into chunks placed on the session clock.

    Chunks end at the quietest moment near ``options.chunk_s``, and always at a hole in the
    timestamps (a chunk never spans a gap). Silence (no 10 ms frame over
    ``options.silence_dbfs``) is not written, nor, with a ``detector``, sound before the first
    speech: a long silent or empty recording costs no disk. At least one chunk is written.
    ``hook("chunk", chunk)`` is called as each chunk is written (atomically). On a failure
    the chunks written so far are removed and ``MediaError`` says why.
    """
    plan = plan or AudioPlan(stream=media.audio_stream)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransientError(f"cannot create the chunk folder {out_dir}: {error}") from None
    log.info("cutting %s into %.0f s chunks in %s", media.path.name, options.chunk_s, out_dir)
    written: list[AudioChunk] = []
    forced = [round(hole.decoded_s * SAMPLE_RATE_HZ) for hole in plan.breaks]
    process = FfmpegProcess(_decode_graph(media.path, plan), stdout_pipe=True)
    decoded = silent = 0
    speech_found = detector is None
    last: tuple[Samples, int] | None = None
    try:
        for samples, offset in _cut(_read_samples(process), options, forced):
            decoded = offset + len(samples)
            last = (samples, offset)
            if is_silent(samples.astype(np.float32) / 32768.0, options.silence_dbfs) or not (
                speech_found or (speech_found := _has_speech(samples, detector))
            ):
                silent += len(samples)
                continue
            written.append(_write_chunk(out_dir, len(written), samples, plan.clock_s(offset)))
            hook("chunk", written[-1])
        if process.wait() != 0:
            raise MediaError(
                f"ffmpeg could not decode {media.path.name}: {process.last_error() or 'unknown'}"
            )
        if last is None:
            raise MediaError(f"{media.path.name} decoded to no audio at all")
        if not written:  # nothing but silence: one chunk keeps every later step simple
            silent -= len(last[0])
            written.append(_write_chunk(out_dir, 0, last[0], plan.clock_s(last[1])))
            hook("chunk", written[-1])
    except BaseException:
        process.kill()
        for chunk in written:
            chunk.path.unlink(missing_ok=True)
        raise
    result = CutAudio(
        chunks=tuple(written),
        decoded_s=decoded / SAMPLE_RATE_HZ,
        end_s=plan.clock_s(decoded),
        silent_s=silent / SAMPLE_RATE_HZ,
    )
    log.info(
        "cut %s into %d chunks: %.1f s decoded, %.1f s of silence not written",
        media.path.name,
        len(written),
        result.decoded_s,
        result.silent_s,
    )
    return result


def _has_speech(samples: Samples, detector: SpeechDetector | None) -> bool:
    return detector is None or detector(samples.astype(np.float32) / 32768.0) > 0.0


def quietest_cut(samples: Samples, earliest: int, latest: int) -> int:
    """Sample index in ``[earliest, latest]`` at the end of the quietest 10 ms frame there.

    Frame energy is smoothed over 300 ms; on a tie the latest frame wins.
    """
    region = samples[earliest:latest].astype(np.float32)
    frames = len(region) // _FRAME_SAMPLES
    if frames < _SMOOTH_FRAMES:
        return latest
    energy = np.square(region[: frames * _FRAME_SAMPLES]).reshape(frames, _FRAME_SAMPLES).mean(1)
    # Pad with the edge values: zero padding would make both ends of the region look quiet.
    half = _SMOOTH_FRAMES // 2
    padded = np.pad(energy, (half, _SMOOTH_FRAMES - 1 - half), mode="edge")
    smooth = np.convolve(padded, np.full(_SMOOTH_FRAMES, 1.0 / _SMOOTH_FRAMES), mode="valid")
    # Round so that float noise does not break ties between equally silent frames.
    smooth = np.round(smooth, 3)
    quietest = frames - 1 - int(np.argmin(smooth[::-1]))
    return min(latest, earliest + (quietest + 1) * _FRAME_SAMPLES)


def _decode_graph(path: Path, plan: AudioPlan) -> object:
    audio = ffmpeg.input(str(path))[f"a:{plan.stream}"]
    if plan.channel:
        audio = audio.filter("channelmap", map=plan.channel, channel_layout="mono")
    return audio.output("pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE_HZ)


def _read_samples(process: FfmpegProcess) -> Iterator[Samples]:
    while block := process.stdout.read(_READ_BYTES):
        usable = len(block) - len(block) % 2
        yield np.frombuffer(block[:usable], dtype="<i2").astype(np.int16)


def _cut(
    blocks: Iterator[Samples], options: IngestOptions, forced: list[int]
) -> Iterator[tuple[Samples, int]]:
    """Chunks of samples with their offsets in decoded samples, cut near silence and at every
    position in ``forced`` (sorted)."""
    target = round(options.chunk_s * SAMPLE_RATE_HZ)
    tail = round(min(options.min_last_chunk_s, options.chunk_s / 2) * SAMPLE_RATE_HZ)
    earliest = target - round(min(options.cut_search_s, options.chunk_s / 2) * SAMPLE_RATE_HZ)
    pending = list(forced)
    buffer: Samples = np.empty(0, dtype=np.int16)
    offset = 0
    for block in blocks:
        buffer = np.concatenate([buffer, block])
        while True:
            while pending and pending[0] <= offset:
                pending.pop(0)
            hole = pending[0] - offset if pending else None
            if hole is not None and hole <= min(target + tail, len(buffer)):
                # A hole this near ends the chunk itself, rather than leave a sliver before it.
                cut = hole
            elif len(buffer) > target + tail:
                # Only with enough audio beyond the target: a recording a little over one chunk
                # long stays whole instead of losing its last seconds to a chunk of their own.
                cut = quietest_cut(buffer, earliest, target) if earliest < target else target
            else:
                break
            yield buffer[:cut], offset
            offset += cut
            buffer = buffer[cut:]
    if len(buffer):
        yield buffer, offset


def _write_chunk(out_dir: Path, index: int, samples: Samples, offset_s: float) -> AudioChunk:
    target = out_dir / f"chunk-{index:05d}.wav"
    partial = out_dir / f".{target.name}.part"
    try:
        soundfile.write(partial, samples, SAMPLE_RATE_HZ, subtype="PCM_16", format="WAV")
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise TransientError(f"cannot write chunk {target}: {error}") from None
    return AudioChunk(
        index=index,
        path=target,
        offset_s=offset_s,
        duration_s=len(samples) / SAMPLE_RATE_HZ,
    )
