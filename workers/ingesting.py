"""The ingest steps: register a session for a file, and make its audio into chunks.

``create_session`` validates the file and keeps it in the media store; ``ingest_into`` chooses
the audio stream with speech (Silero VAD, the diarizer's), cuts the chunks on the session
clock and stores them, the gaps, the duration and the media report (every audio stream, a
truncation) that the minutes show.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NotRequired, TypedDict, Unpack

import numpy as np
import numpy.typing as npt

import diarize
import ingest
from diarize.vad import speech_regions
from kuvend.config import Settings
from kuvend.progress import StepProgress
from kuvend.storage.chunks import load_chunks, save_chunks
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore
from kuvend.storage.media_report import load_media_report, update_media_report
from kuvend.storage.sessions import create_session as create_session_row
from kuvend.storage.sessions import get_session, replace_gaps, set_session_status
from kuvend.types import LanguageCode, StageHook, no_hook

log = logging.getLogger(__name__)

CHUNKS = "chunks"


class NewSession(TypedDict):
    """A session to register for a media file (keyword arguments of :func:`create_session`)."""

    media_path: Path
    assembly: str
    title: str
    session_date: date
    languages: Sequence[LanguageCode]
    audio_stream: NotRequired[int | None]
    """The stream to transcribe (``a:N``); absent or ``None``: the one with the most speech."""
    accept_truncated: NotRequired[bool]
    """Process a file whose audio ends before its header says (default: refuse it)."""


def create_session(*, settings: Settings, **new: Unpack[NewSession]) -> str:
    """Validate the media, keep the original in the media store, register a queued session.

    ``audio_stream`` and ``accept_truncated`` are kept for the ingest step.
    """
    media_path, title = new["media_path"], new["title"]
    audio_stream, accept_truncated = new.get("audio_stream"), new.get("accept_truncated", False)
    accepted = ingest.validate_upload(
        media_path,
        name=media_path.name,
        store=MediaStore(settings.resolved_media_dir),
        options=ingest.IngestOptions.from_settings(settings, accept_truncated=accept_truncated),
        audio_stream=audio_stream,
    )
    media, stored = accepted.media, accepted.stored
    with session_scope(settings.resolved_database_url) as db:
        row = create_session_row(
            session=db,
            assembly=new["assembly"],
            title=title,
            date=new["session_date"],
            languages=new["languages"],
            media_sha256=stored.sha256,
            media_path=stored.path,
        )
        set_session_status(
            session=db, session_id=row.id, status="queued", duration_s=media.duration_s
        )
        asked = {"audio_stream": audio_stream, "accept_truncated": accept_truncated}
        update_media_report(session=db, session_id=row.id, values=asked)
        session_id = row.id
    log.info("session %s: %s (%.1f s of media)", session_id, title, media.duration_s)
    return session_id


def ingest_into(
    *, settings: Settings, session_id: str, folder: Path, player: Path, hook: StageHook = no_hook
) -> int:
    """Cut the session's media into chunks under ``folder`` and its player audio at ``player``;
    returns the number of chunks. Chunks already cut and present are reused."""
    with session_scope(settings.resolved_database_url) as db:
        media_path = Path(get_session(session=db, session_id=session_id).media_path or "")
        existing = load_chunks(session=db, session_id=session_id)
        asked = load_media_report(session=db, session_id=session_id)
        set_session_status(session=db, session_id=session_id, status="processing")
    if existing and all(chunk.path.exists() for chunk in existing):
        return len(existing)
    options = ingest.IngestOptions.from_settings(
        settings, accept_truncated=bool(asked.get("accept_truncated"))
    )
    audio = ingest.ingest_file(
        media_path,
        folder / CHUNKS,
        options,
        player=player,
        detector=speech_detector(),
        audio_stream=asked.get("audio_stream"),
        hook=hook,
    )
    with session_scope(settings.resolved_database_url) as db:
        save_chunks(session=db, session_id=session_id, chunks=audio.chunks)
        replace_gaps(session=db, session_id=session_id, gaps=audio.gaps)
        set_session_status(
            session=db, session_id=session_id, status="processing", duration_s=audio.duration_s
        )
        update_media_report(session=db, session_id=session_id, values=media_report(audio))
    hook("ingest", StepProgress("ingest", 1, 1, f"{len(audio.chunks)} chunks"))
    return len(audio.chunks)


def media_report(audio: ingest.IngestedAudio) -> dict[str, Any]:
    """What the minutes say about the source: every audio stream, the note, a truncation."""
    selection = audio.selection
    streams = [
        {
            "index": stream.index,
            "channels": stream.channels,
            "language": stream.language,
            "speech_s": None if stream.speech_s is None else round(stream.speech_s, 1),
            "used": stream.index == selection.stream.index,
            "channel": selection.channel if stream.index == selection.stream.index else None,
        }
        for stream in selection.streams
    ]
    truncated = audio.truncated
    return {
        "audio_streams": streams,
        "audio_note": selection.describe(),
        "truncated": None
        if truncated is None
        else {"stated_s": truncated.stated_s, "decoded_s": truncated.decoded_s},
    }


def speech_detector() -> ingest.SpeechDetector:
    """Seconds of speech in 16 kHz mono samples, by the diarizer's Silero VAD."""
    options = diarize.DiarizeOptions()

    def detect(samples: npt.NDArray[np.float32]) -> float:
        return sum(end - start for start, end in speech_regions(samples, options))

    return detect


def remove_derived_audio(
    *, settings: Settings, session_id: str, folder: Path, player: Path
) -> None:
    """Remove a file session's chunks under ``folder`` and its player audio at ``player``
    (finished or half-encoded): both are made again from the stored file. A live recording's
    chunks are its only copy, and are kept with its player audio."""
    with session_scope(settings.resolved_database_url) as db:
        media_path = get_session(session=db, session_id=session_id).media_path
    if not media_path:
        return
    if (folder / CHUNKS).is_dir():
        shutil.rmtree(folder / CHUNKS, ignore_errors=True)
        log.info("session %s: chunks removed from %s", session_id, folder / CHUNKS)
    for audio in (player, ingest.player_partial(player)):
        audio.unlink(missing_ok=True)
