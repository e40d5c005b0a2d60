"""``encode_for_player``: the audio the session page plays, AAC in an MP4 (.m4a) container.

Every browser plays AAC-LC in MP4; ``+faststart`` puts the index first so playback and seeking
start before the whole file has downloaded. The page's transcript follows this file's clock,
which is the session clock because it is encoded from the same audio stream as the chunks.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import ffmpeg

from ingest._ffmpeg import FfmpegProcess
from ingest.options import IngestOptions
from kuvend.domain import MediaInfo
from kuvend.errors import MediaError, TransientError

log = logging.getLogger(__name__)

_PLAYER_RATE_HZ = 48_000


def encode_for_player(media: MediaInfo, target: Path, options: IngestOptions | None = None) -> Path:
    """Encode ``media``'s first audio stream to mono AAC at ``target`` (``.m4a``), atomically.

    Returns ``target``. A half-encoded file never lies at ``target``: ffmpeg writes beside it
    and the result is renamed into place.
    """
    options = options or IngestOptions()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransientError(f"cannot create {target.parent}: {error}") from None
    partial = target.with_name(f".{target.name}.part")
    graph = (
        ffmpeg.input(str(media.path))["a:0"]
        .output(
            str(partial),
            format="ipod",  # the .m4a flavour of MP4
            acodec="aac",
            ac=1,
            ar=_PLAYER_RATE_HZ,
            audio_bitrate=f"{options.player_bitrate_kbps}k",
            movflags="+faststart",
        )
        .overwrite_output()
    )
    log.info("encoding %s for the player into %s", media.path.name, target)
    process = FfmpegProcess(graph)
    if process.wait() != 0:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise MediaError(
            f"ffmpeg could not encode {media.path.name} for the player: {process.last_error()}"
        )
    partial.replace(target)
    return target
