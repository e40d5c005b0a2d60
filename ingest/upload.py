"""``validate_upload`` and ``receive_upload``: accept a session recording from a user, or refuse it.

Order matters: the name is checked (it must be a plain file name), then the size, then ffprobe
says what the content is, then the end of the audio is decoded to catch a file cut short in
transit. Only then is the file copied into the content-addressed store, under its hash and a
whitelisted extension: the uploaded name is kept as a label, never used as a path. A rejected
upload leaves nothing in the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ingest.options import IngestOptions
from ingest.probe import probe_media
from ingest.streams import check_audio_stream
from ingest.timeline import decoded_duration_s, decoded_s, timestamp_breaks
from kuvend.domain import MediaInfo
from kuvend.errors import MediaError, TransientError
from kuvend.storage.media import MediaStore, StoredMedia, safe_suffix

log = logging.getLogger(__name__)

_MAX_NAME_CHARS = 255
_TAIL_CHECK_S = 10.0
_TRUNCATION_SLACK_S = 1.0
_COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AcceptedUpload:
    """An upload that passed every check, now in the media store."""

    media: MediaInfo
    """Probe of the stored copy (``media.path`` lies inside the store)."""
    stored: StoredMedia
    original_name: str
    """The name the user gave, for display only."""
    already_stored: bool
    """The same content had been uploaded before; the stored copy was left as it was."""


def validate_upload(
    source: Path,
    *,
    name: str,
    store: MediaStore,
    options: IngestOptions,
    audio_stream: int | None = None,
) -> AcceptedUpload:
    """Check the upload at ``source`` (named ``name`` by the user) and keep it in ``store``.

    Raises ``MediaError`` with a one-line reason, storing nothing, when the name is not a plain
    file name, the file is empty or over ``options.max_bytes``, is not media, has no audio, has
    no duration or is over ``options.max_duration_s``, or its audio ends before its header says
    (unless ``options.accept_truncated``: see :func:`check_complete`), or has no audio stream
    ``audio_stream`` when one is asked for. ``source`` itself is left for the caller to remove.
    """
    label = check_upload_name(name)
    size = source.stat().st_size if source.is_file() else 0
    if size > options.max_bytes:
        limit = _megabytes(options.max_bytes)
        raise MediaError(f"{label} is too large: {_megabytes(size)}, the limit is {limit}")
    media = check_complete(probe_media(source, options), label, options)
    if audio_stream is not None:
        check_audio_stream(media, audio_stream, label=label)
    already = store.path_for(media.sha256, safe_suffix(label)).exists()
    stored = store.add_file(source, label, sha256=media.sha256)
    log.info("accepted upload %s as %s%s", label, stored.path, " (already stored)" * already)
    return AcceptedUpload(
        # The stored copy is the same bytes: no second hash and probe of a multi-hour file.
        media=dataclasses.replace(media, path=stored.path),
        stored=stored,
        original_name=label,
        already_stored=already,
    )


def receive_upload(
    stream: BinaryIO, *, name: str, store: MediaStore, options: IngestOptions, staging_dir: Path
) -> AcceptedUpload:
    """Copy an upload ``stream`` to ``staging_dir``, validate it and store it; see
    :func:`validate_upload`. The copy stops as soon as it passes ``options.max_bytes``, so an
    oversized upload cannot fill the disk, and the staging file is always removed.
    """
    label = check_upload_name(name)
    staged: Path | None = None
    try:
        staging_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=staging_dir, delete=False) as handle:
            staged = Path(handle.name)
            _copy_within_limit(stream, handle, label, options.max_bytes)
        return validate_upload(staged, name=label, store=store, options=options)
    except OSError as error:
        raise TransientError(f"cannot stage the upload in {staging_dir}: {error}") from None
    finally:
        if staged is not None:
            with contextlib.suppress(OSError):
                staged.unlink()


def _copy_within_limit(source: BinaryIO, target: IO[bytes], label: str, limit: int) -> None:
    copied = 0
    while block := source.read(_COPY_BLOCK):
        copied += len(block)
        if copied > limit:
            raise MediaError(f"{label} is too large: over the limit of {_megabytes(limit)}")
        target.write(block)


def check_upload_name(name: str) -> str:
    """``name`` if it is a plain file name; ``MediaError`` if it could be read as a path.

    Refused: empty names, ``.`` and ``..``, anything with a slash or backslash (``../x.mp4``,
    ``C:\\x.mp4``), control characters, and names over 255 characters.
    """
    cleaned = unicodedata.normalize("NFC", name.strip())
    shown = cleaned.encode("unicode_escape").decode("ascii")[:80]
    if not cleaned or cleaned in {".", ".."}:
        raise MediaError(f"the upload needs a file name, not {shown!r}")
    if "/" in cleaned or "\\" in cleaned:
        raise MediaError(f"the file name {shown!r} looks like a path; send a plain file name")
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        raise MediaError(f"the file name {shown!r} contains control characters")
    if len(cleaned) > _MAX_NAME_CHARS:
        raise MediaError(f"the file name is too long ({len(cleaned)} characters, limit 255)")
    return cleaned


def check_complete(media: MediaInfo, label: str, options: IngestOptions) -> MediaInfo:
    """``media`` if its audio lasts as long as its header says; else ``MediaError`` giving both
    durations, or, with ``options.accept_truncated``, ``media`` with the duration that decodes.

    A WAV's header is read directly (ffprobe measures the bytes present). Otherwise the last
    seconds are decoded: a file cut short in transit can keep a complete index (an MP4 with its
    index first), so ffprobe reports the full duration, yet its audio stops early; only then is
    the whole file decoded to measure it.
    """
    stated = media.header_duration_s
    if stated is None or media.duration_measured:
        return media
    if stated - media.duration_s <= _TRUNCATION_SLACK_S and _tail_decodes(media, stated):
        return media
    start = media.audio_streams[media.audio_stream].start_s if media.audio_streams else 0.0
    # A jump in the timestamps (a transport stream's) is on the clock but not in the audio.
    holes = timestamp_breaks(media.path, media.audio_stream, options.min_gap_s)
    decoded = (
        start
        + decoded_duration_s(media.path, media.audio_stream)
        + sum(hole.gap_s for hole in holes)
    )
    if decoded >= stated - _TRUNCATION_SLACK_S:
        return media
    if not options.accept_truncated:
        raise MediaError(
            f"{label} is truncated: its header says {stated:.1f} s but its audio ends at "
            f"{decoded:.1f} s (kuvend process --accept-truncated processes what there is)"
        )
    log.warning("%s is truncated: %.1f s of the %.1f s stated; accepted", label, decoded, stated)
    return dataclasses.replace(media, duration_s=decoded)


def _tail_decodes(media: MediaInfo, stated: float) -> bool:
    start = max(0.0, stated - _TAIL_CHECK_S)
    expected = stated - start
    decoded, _ = decoded_s(media.path, media.audio_stream, start)
    return decoded >= expected - max(_TRUNCATION_SLACK_S, 0.1 * expected)


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


__all__ = [
    "AcceptedUpload",
    "check_complete",
    "check_upload_name",
    "receive_upload",
    "validate_upload",
]
