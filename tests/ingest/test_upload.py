"""Uploads: every bad file is refused with a clear one-line reason and leaves nothing stored;
good files of any common format are kept once, under their hash, never overwritten."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import IngestOptions, receive_upload, validate_upload
from kuvend.errors import MediaError
from kuvend.storage.media import MediaStore, sha256_of
from tests.utils.media import ffmpeg, tone, video_with_audio, video_without_audio

OPTIONS = IngestOptions(max_duration_s=60.0, max_bytes=2 * 1024**2)


def _text(folder: Path) -> Path:
    path = folder / "minutes.mp4"
    path.write_text("Procesverbali i seancës së kaluar\n" * 50)
    return path


def _truncated_mp4(folder: Path) -> Path:
    # Index at the end (the default): cut short, ffprobe cannot find it at all.
    whole = video_with_audio(folder / "whole.mp4", 3.0)
    path = folder / "truncated.mp4"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return path


def _truncated_faststart_mp4(folder: Path) -> Path:
    # Index first: ffprobe reports the full length, but the audio stops half-way.
    whole = video_with_audio(folder / "whole.mp4", 4.0, faststart=True)
    path = folder / "truncated-faststart.mp4"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return path


def _empty(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def _header_only_wav(folder: Path) -> Path:
    path = folder / "header-only.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
    return path


def _image(folder: Path) -> Path:
    path = folder / "poster.mp3"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x64:d=1", "-frames:v", "1", "-f", "image2",
           "-c:v", "png", str(path))  # fmt: skip
    return path


# (what the user sends, the name they give, what the error must say)
BAD_UPLOADS: dict[str, tuple[Callable[[Path], Path], str | None, str]] = {
    "text renamed .mp4": (_text, None, "is not a media file ffmpeg can read"),
    "truncated mp4": (_truncated_mp4, None, "is not a media file ffmpeg can read"),
    "truncated faststart mp4": (_truncated_faststart_mp4, None, "is truncated: its header says"),
    "zero bytes": (_empty, None, "is empty (0 bytes)"),
    "header-only wav": (_header_only_wav, None, "has no audio to process"),
    "video without audio": (
        lambda f: video_without_audio(f / "silent-film.mp4", 1.0), None,
        "has no audio stream (streams: video)",
    ),
    "image renamed .mp3": (_image, None, "has no audio stream (streams: video)"),
    "over-long": (lambda f: tone(f / "long.wav", 61.0, rate_hz=8000), None, "is too long"),
    "over-size": (lambda f: tone(f / "big.wav", 30.0), None, "is too large"),
    "../ in the name": (
        lambda f: tone(f / "ok.wav", 1.0), "../../etc/cron.d/x.wav", "looks like a path"
    ),
    "absolute windows path": (
        lambda f: tone(f / "ok.wav", 1.0), "C:\\\\Windows\\\\x.wav", "looks like a path"
    ),
    "control characters": (
        lambda f: tone(f / "ok.wav", 1.0), "seanca\x00.wav", "contains control characters"
    ),
    "dot-dot": (lambda f: tone(f / "ok.wav", 1.0), "..", "needs a file name"),
}  # fmt: skip


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_upload_is_refused_and_nothing_is_stored(tmp_path: Path, case: str) -> None:
    make, name, reason = BAD_UPLOADS[case]
    sources = tmp_path / "sources"
    sources.mkdir()
    upload = make(sources)
    store = MediaStore(tmp_path / "store")
    staging = tmp_path / "staging"
    with pytest.raises(MediaError) as caught, upload.open("rb") as stream:
        receive_upload(
            stream, name=name or upload.name, store=store, options=OPTIONS, staging_dir=staging
        )
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message and len(message) < 200
    assert _files_under(tmp_path / "store") == []
    assert _files_under(staging) == []


def test_good_uploads_of_any_format_are_kept_under_their_hash(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "store")
    sources = tmp_path / "sources"
    sources.mkdir()
    files = [
        tone(sources / "seanca.wav", 2.0),
        tone(sources / "seanca.mp3", 2.0, frequency_hz=500),
        tone(sources / "seanca.ogg", 2.0, frequency_hz=600),
        tone(sources / "seanca.opus", 2.0, frequency_hz=650),
        tone(sources / "seanca.m4a", 2.0, frequency_hz=700),
        video_with_audio(sources / "seanca.mp4", 2.0),
        video_with_audio(sources / "seanca.mkv", 2.0),
    ]
    for source in files:
        accepted = validate_upload(source, name=source.name, store=store, options=OPTIONS)
        assert accepted.stored.sha256 == sha256_of(source)
        assert accepted.stored.path == store.path_for(accepted.stored.sha256, source.suffix)
        assert accepted.stored.path.read_bytes() == source.read_bytes()
        assert accepted.media.path == accepted.stored.path
        assert accepted.media.duration_s == pytest.approx(2.0, abs=0.1)
        assert accepted.original_name == source.name and not accepted.already_stored


def test_the_same_content_is_never_stored_twice_nor_overwritten(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "store")
    source = tone(tmp_path / "a.wav", 1.0)
    first = validate_upload(source, name="seanca 12:30.wav", store=store, options=OPTIONS)
    stamp = first.stored.path.stat().st_mtime_ns
    with source.open("rb") as stream:
        second = receive_upload(
            stream, name="copy.wav", store=store, options=OPTIONS, staging_dir=tmp_path / "s"
        )
    assert second.already_stored and second.stored.path == first.stored.path
    assert first.stored.path.stat().st_mtime_ns == stamp
    assert _files_under(tmp_path / "store") == [first.stored.path]


def test_a_name_with_an_odd_extension_is_stored_as_bin(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "store")
    source = tone(tmp_path / "a.wav", 1.0)
    accepted = validate_upload(source, name="seanca.wav;rm -rf", store=store, options=OPTIONS)
    assert accepted.stored.path.name == f"{accepted.stored.sha256}.bin"
    assert accepted.stored.path.parent.parent == store.root


def test_an_oversized_stream_is_not_copied_past_the_limit(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    endless = io.BytesIO(b"\0" * (OPTIONS.max_bytes + 5 * 1024**2))
    with pytest.raises(MediaError, match=r"over the limit of 2\.0 MB"):
        receive_upload(
            endless, name="x.wav", store=MediaStore(tmp_path / "store"), options=OPTIONS,
            staging_dir=staging,
        )  # fmt: skip
    assert endless.tell() <= OPTIONS.max_bytes + 2 * 1024**2
    assert _files_under(staging) == []
