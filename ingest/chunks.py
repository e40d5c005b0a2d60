"""``cut_into_chunks``: decode a file once to 16 kHz mono and cut it into chunks near silence.

One ffmpeg run decodes and resamples the first audio stream to raw 16-bit PCM on a pipe; the
chunks are cut here, by sample count, so offsets are exact (``offset = samples before / 16000``)
and chunks are contiguous by construction. Each chunk ends at the quietest 10 ms frame of the
last ``cut_search_s`` before the ``chunk_s`` mark (energy smoothed over 300 ms): a cut between
words costs one numpy pass over 5 s of audio, where cutting inside a word would cost the
recogniser that word. Digital silence is all-quiet, and the latest frame wins ties, so silent
stretches are cut at exactly ``chunk_s``. The live recorder cannot look back like this and cuts
at fixed times with ffmpeg's segment muxer instead (``ingest.record``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import ffmpeg
import numpy as np
import numpy.typing as npt
import soundfile

from ingest._ffmpeg import FfmpegProcess
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from kuvend.domain import AudioChunk, MediaInfo
from kuvend.errors import MediaError, TransientError
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)

_FRAME_SAMPLES = SAMPLE_RATE_HZ // 100  # 10 ms
_SMOOTH_FRAMES = 30  # 300 ms: long enough to skip the short dips inside a word
_READ_BYTES = 2 * SAMPLE_RATE_HZ  # one second of 16-bit mono

Samples = npt.NDArray[np.int16]


def cut_into_chunks(
    media: MediaInfo, out_dir: Path, options: IngestOptions, *, hook: StageHook = no_hook
) -> list[AudioChunk]:
    """Cut ``media``'s audio into 16 kHz mono WAV chunks in ``out_dir`` (``chunk-00000.wav`` …).

    Chunks lie end to end from 0 to the decoded duration. ``hook("chunk", chunk)`` is called as
    each chunk is written (atomically). On a decoding failure the chunks written so far are
    removed and ``MediaError`` says why.
    """
    return list(iter_chunks(media, out_dir, options, hook=hook))


def iter_chunks(
    media: MediaInfo, out_dir: Path, options: IngestOptions, *, hook: StageHook = no_hook
) -> Iterator[AudioChunk]:
    """Like :func:`cut_into_chunks`, yielding each chunk as soon as it is written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransientError(f"cannot create the chunk folder {out_dir}: {error}") from None
    log.info("cutting %s into %.0f s chunks in %s", media.path.name, options.chunk_s, out_dir)
    written: list[AudioChunk] = []
    process = FfmpegProcess(_decode_graph(media.path), stdout_pipe=True)
    try:
        for samples, offset in _cut(_read_samples(process), options):
            chunk = _write_chunk(out_dir, len(written), samples, offset)
            written.append(chunk)
            hook("chunk", chunk)
            yield chunk
        if process.wait() != 0:
            raise MediaError(
                f"ffmpeg could not decode {media.path.name}: {process.last_error() or 'unknown'}"
            )
        if not written:
            raise MediaError(f"{media.path.name} decoded to no audio at all")
    except BaseException:
        process.kill()
        for chunk in written:
            chunk.path.unlink(missing_ok=True)
        raise
    decoded_s = written[-1].end_s
    if decoded_s < media.duration_s - 1.0:
        log.warning(
            "%s: ffprobe said %.1f s but only %.1f s decoded (truncated file?)",
            media.path.name,
            media.duration_s,
            decoded_s,
        )
    log.info("cut %s into %d chunks, %.1f s", media.path.name, len(written), decoded_s)


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


def _decode_graph(path: Path) -> object:
    source = ffmpeg.input(str(path))
    return source["a:0"].output(
        "pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE_HZ
    )


def _read_samples(process: FfmpegProcess) -> Iterator[Samples]:
    while block := process.stdout.read(_READ_BYTES):
        usable = len(block) - len(block) % 2
        yield np.frombuffer(block[:usable], dtype="<i2").astype(np.int16)


def _cut(blocks: Iterator[Samples], options: IngestOptions) -> Iterator[tuple[Samples, int]]:
    """Chunks of samples with their offsets in samples, cut near silence."""
    target = round(options.chunk_s * SAMPLE_RATE_HZ)
    earliest = target - round(min(options.cut_search_s, options.chunk_s / 2) * SAMPLE_RATE_HZ)
    buffer: Samples = np.empty(0, dtype=np.int16)
    offset = 0
    for block in blocks:
        buffer = np.concatenate([buffer, block])
        while len(buffer) >= target:
            cut = quietest_cut(buffer, earliest, target) if earliest < target else target
            yield buffer[:cut], offset
            offset += cut
            buffer = buffer[cut:]
    if len(buffer):
        yield buffer, offset


def _write_chunk(out_dir: Path, index: int, samples: Samples, offset: int) -> AudioChunk:
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
        offset_s=offset / SAMPLE_RATE_HZ,
        duration_s=len(samples) / SAMPLE_RATE_HZ,
    )
