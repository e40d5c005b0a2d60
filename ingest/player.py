"""``encode_for_player``: the audio the session page plays, AAC in an MP4 (.m4a) container.

Every browser plays AAC-LC in MP4; ``+faststart`` puts the index first so playback and seeking
start before the whole file has downloaded. The page's transcript follows this file's clock,
which is the session clock because it is encoded from the same audio stream as the chunks.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np
import soundfile

from ingest._ffmpeg import FfmpegProcess
from ingest.manifest import Recording
from ingest.options import SAMPLE_RATE_HZ, IngestOptions
from kuvend.domain import AudioChunk, MediaInfo
from kuvend.errors import MediaError, TransientError

log = logging.getLogger(__name__)

_PLAYER_RATE_HZ = 48_000


def player_partial(target: Path) -> Path:
    """Where the player's audio for ``target`` is encoded before it is moved into place."""
    return target.with_name(f".{target.name}.part")


def encode_for_player(media: MediaInfo, target: Path, options: IngestOptions | None = None) -> Path:
    """Encode ``media``'s first audio stream to mono AAC at ``target`` (``.m4a``), atomically.

    Returns ``target``. A half-encoded file never lies at ``target``: ffmpeg writes beside it
    and the result is renamed into place.
    """
    log.info("encoding %s for the player into %s", media.path.name, target)
    return _encode(ffmpeg.input(str(media.path))["a:0"], target, options, media.path.name)


def encode_recording_for_player(
    recording: Recording, target: Path, options: IngestOptions | None = None
) -> Path:
    """Encode a live recording for the player: see :func:`encode_chunks_for_player`."""
    return encode_chunks_for_player(recording.chunks, recording.duration_s, target, options)


def encode_chunks_for_player(
    chunks: Sequence[AudioChunk],
    duration_s: float,
    target: Path,
    options: IngestOptions | None = None,
) -> Path:
    """Encode chunks for the player: end to end, silence wherever no chunk lies (gaps, silence
    not written, audio that starts late), up to ``duration_s``, so that the file's clock is the
    session clock. Atomic like :func:`encode_for_player`."""
    log.info("encoding %d chunks for the player into %s", len(chunks), target)
    source = ffmpeg.input("pipe:", format="s16le", ar=SAMPLE_RATE_HZ, ac=1)
    return _encode(source, target, options, "the audio", feed=_session_samples(chunks, duration_s))


def _session_samples(chunks: Sequence[AudioChunk], duration_s: float) -> Iterator[bytes]:
    position = 0
    for chunk in sorted(chunks, key=lambda c: c.offset_s):
        start = round(chunk.offset_s * SAMPLE_RATE_HZ)
        yield from _silence(start - position)
        samples, _ = soundfile.read(chunk.path, dtype="int16")
        yield np.asarray(samples, dtype="<i2").tobytes()
        position = max(position, start + len(samples))
    yield from _silence(round(duration_s * SAMPLE_RATE_HZ) - position)


def _silence(samples: int) -> Iterator[bytes]:
    # In blocks: hours of silence must not be one allocation.
    block = SAMPLE_RATE_HZ * 60
    while samples > 0:
        yield bytes(2 * min(block, samples))
        samples -= block


def _encode(
    source: Any,
    target: Path,
    options: IngestOptions | None,
    label: str,
    *,
    feed: Iterator[bytes] | None = None,
) -> Path:
    options = options or IngestOptions()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransientError(f"cannot create {target.parent}: {error}") from None
    partial = player_partial(target)
    graph = source.output(
        str(partial),
        format="ipod",  # the .m4a flavour of MP4
        acodec="aac",
        ac=1,
        ar=_PLAYER_RATE_HZ,
        audio_bitrate=f"{options.player_bitrate_kbps}k",
        movflags="+faststart",
    ).overwrite_output()
    process = FfmpegProcess(graph, stdin_pipe=feed is not None)
    try:
        if feed is not None:
            assert process.popen.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # ffmpeg failed; reported below
                for block in feed:
                    process.popen.stdin.write(block)
            with contextlib.suppress(BrokenPipeError):
                process.popen.stdin.close()
        code = process.wait()
    except BaseException:
        # A stop (or any error) here: ffmpeg runs in its own session, so it would go on
        # writing the partial file after the session's clean-up removed it.
        process.kill()
        partial.unlink(missing_ok=True)
        raise
    if code != 0:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise MediaError(f"ffmpeg could not encode {label} for the player: {process.last_error()}")
    partial.replace(target)
    return target
