"""The pipeline's steps: plain functions over IDs and the database, shared by every runner.

Their order is declared once, in ``workers.plan`` (after ``create_session``: ingest, then per
chunk transcribe and diarize, then finalize, later publish); every runner follows that plan,
in this process (``workers.chunk_run``) or on the Celery queues (``workers.tasks``).
``finalize_session`` links and names speakers, attributes words, saves, and writes the draft's
minutes, page, exports and search index.

Each per-chunk step stores its result as an artifact keyed by session, chunk, step and a hash
of the options that shaped it, and returns the stored result when it finds one: a redelivered
task does no work twice and duplicates nothing. ``finalize_session`` replaces only unreviewed
segments, so a reviewer's edit survives any re-run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import diarize
import models
import publish
import transcribe
from kuvend import __version__
from kuvend.config import Settings
from kuvend.domain import ChunkDiarization, Diarization, Segment
from kuvend.errors import NotFoundError
from kuvend.minutes import Minutes
from kuvend.progress import StepProgress
from kuvend.storage import recovery
from kuvend.storage.artifacts import artifact_key, load_artifact, save_artifact
from kuvend.storage.chunks import load_chunk, load_chunks
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import open_index
from kuvend.storage.members import assembly_vocabulary, load_members
from kuvend.storage.revisions import load_revisions
from kuvend.storage.second_voices import replace_second_voices
from kuvend.storage.segments import StoredSpeaker, replace_session_segments, replace_speakers
from kuvend.storage.sessions import load_session_info, set_session_status
from kuvend.types import StageHook, no_hook
from workers.engines import Engines
from workers.ingesting import create_session, ingest_into, remove_derived_audio

log = logging.getLogger(__name__)

PLAYER_AUDIO = "audio.m4a"


def work_dir(settings: Settings, session_id: str) -> Path:
    """Private working folder of a session (chunks, player audio, draft outputs)."""
    return recovery.session_dir(settings, session_id)


def prepare_database(settings: Settings) -> None:
    """Bring the database schema up to date (cheap when it already is)."""
    migrate(settings.resolved_database_url)


def ingest_session(*, settings: Settings, session_id: str, hook: StageHook = no_hook) -> int:
    """Cut the session's media into 16 kHz chunks on the session clock and make the player's
    audio; returns the number of chunks (see :func:`workers.ingesting.ingest_into`)."""
    folder = work_dir(settings, session_id)
    return ingest_into(
        settings=settings,
        session_id=session_id,
        folder=folder,
        player=folder / PLAYER_AUDIO,
        hook=hook,
    )


def transcribe_chunk_step(
    *,
    settings: Settings,
    engines: Engines,
    session_id: str,
    chunk_index: int,
    more_follows: bool | None = None,
) -> list[Segment]:
    """Transcribe one chunk (or return its stored transcript); segments on the session clock.

    Speech running across a chunk's end is decoded whole by the next chunk, so a chunk must know
    whether one follows: by default, whether a later chunk is stored and continues it without a
    gap. A live recorder says ``True`` until it stops; the final step then redoes the chunks
    whose answer differs, which the key tells apart.
    """
    with session_scope(settings.resolved_database_url) as db:
        info = load_session_info(session=db, session_id=session_id)
        vocabulary = assembly_vocabulary(session=db, assembly=info.assembly)
        chunks = load_chunks(session=db, session_id=session_id)
        options = transcribe.TranscribeOptions.from_settings(
            settings,
            languages=info.languages,
            serbian_script=info.serbian_script,
            vocabulary=vocabulary,
        )
        follows = (
            transcribe.hands_over(chunks, chunk_index) if more_follows is None else more_follows
        )
        key = artifact_key(
            session_id,
            chunk_index,
            "transcribe",
            (options, follows, engines.whisper_name, __version__),
        )
        stored = load_artifact(session=db, key=key)
    if stored is not None:
        return [Segment.from_dict(item) for item in stored["segments"]]
    context = transcribe.ChunkContext(
        previous=chunks[chunk_index - 1] if chunk_index else None, more_follows=follows
    )
    segments = list(
        transcribe.transcribe_chunk(engines.whisper, chunks[chunk_index], options, context=context)
    )
    with session_scope(settings.resolved_database_url) as db:
        save_artifact(
            session=db,
            key=key,
            session_id=session_id,
            payload={"segments": [segment.to_dict() for segment in segments]},
        )
    return segments


def diarize_chunk_step(
    *, settings: Settings, engines: Engines, session_id: str, chunk_index: int
) -> ChunkDiarization:
    """Find the speech regions and voice embeddings of one chunk (or return the stored ones)."""
    options = diarize.DiarizeOptions.from_settings(settings)
    key = artifact_key(
        session_id,
        chunk_index,
        "diarize",
        (
            options,
            engines.diarizer.name,
            engines.diarizer.voice_space,
            settings.overlap_detection,
            models.needs_checker_model(
                settings.diarizer, settings.speaker_encoder, settings.cross_check_speakers
            ),
            __version__,
        ),
    )
    with session_scope(settings.resolved_database_url) as db:
        stored = load_artifact(session=db, key=key)
        chunk = load_chunk(session=db, session_id=session_id, index=chunk_index)
    if stored is not None:
        return ChunkDiarization.from_dict(stored)
    result = engines.diarizer.diarize_chunk(chunk, options)
    with session_scope(settings.resolved_database_url) as db:
        save_artifact(session=db, key=key, session_id=session_id, payload=result.to_dict())
    return result


def finalize_session(
    *,
    settings: Settings,
    engines: Engines,
    session_id: str,
    out_dir: Path | None = None,
    hook: StageHook = no_hook,
) -> Minutes:
    """Link speakers across chunks, name them, attribute words, save, and write the draft.

    Writes the draft's exports and page into ``out_dir`` (default: the session's private
    folder) and indexes the draft for the secretariat's search. Reviewed segments are kept.
    """
    chunk_count = _chunk_count(settings, session_id)
    segments = [
        segment
        for index in range(chunk_count)
        for segment in transcribe_chunk_step(
            settings=settings, engines=engines, session_id=session_id, chunk_index=index
        )
    ]
    chunk_diarizations = [
        diarize_chunk_step(
            settings=settings, engines=engines, session_id=session_id, chunk_index=index
        )
        for index in range(chunk_count)
    ]
    options = diarize.DiarizeOptions.from_settings(settings)
    diarization = diarize.link_speakers(chunk_diarizations, options)
    count = len(diarization.centroids)
    hook("link", StepProgress("speakers", 1, 1, f"{count} speaker{'s' * (count != 1)}"))
    attributed = list(
        diarize.mark_overlaps(
            diarize.extend_to_turns(
                list(diarize.attribute_words(segments, diarization.turns)), diarization.turns
            ),
            diarization.overlaps,
            min_overlap_s=options.overlap_mark_s,
        )
    )

    with session_scope(settings.resolved_database_url) as db:
        info = load_session_info(session=db, session_id=session_id)
        members = load_members(session=db, assembly=info.assembly)
        enrolled = [member for member in members if member.voiceprint is not None]
        named: dict[str, str | None] = dict(
            diarize.identify_speakers(
                diarization.centroids, enrolled, voice_space=engines.diarizer.voice_space
            )
        )
        # A reviewer's naming (a member, or a guest by name) outranks the voiceprint match,
        # and outlives a re-run.
        reviewed = _names_given_by_reviewers(db, session_id)
        named.update({label: speaker.get("member_id") for label, speaker in reviewed.items()})
        guests = {
            label: speaker.get("name")
            for label, speaker in reviewed.items()
            if not speaker.get("member_id")
        }
        replace_speakers(
            session=db,
            session_id=session_id,
            speakers=[
                StoredSpeaker(
                    label,
                    named.get(label),
                    centroid,
                    _seconds(diarization, label),
                    guest_name=guests.get(label),
                    voice_space=engines.diarizer.voice_space,
                )
                for label, centroid in diarization.centroids.items()
            ],
        )
        replace_session_segments(session=db, session_id=session_id, segments=attributed)
        replace_second_voices(session=db, session_id=session_id, voices=diarization.second_voices)
        minutes = publish.load_draft_minutes(session=db, session_id=session_id)

    target = out_dir or work_dir(settings, session_id) / "draft"
    publish.write_exports(minutes, target)
    player_audio = work_dir(settings, session_id) / PLAYER_AUDIO
    publish.render_session_page(
        minutes, target, media_url=_player_url(player_audio, target), ui_language="sq"
    )
    open_index(settings).index_minutes(minutes)
    # "draft" last: whoever waits for it (kuvend process --queue) finds the folder complete.
    with session_scope(settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=session_id, status="draft")
    hook("publish", StepProgress("publish", 1, 1, "draft written and indexed"))
    return minutes


def publish_step(
    *,
    settings: Settings,
    session_id: str,
    user_id: str | None = None,
    site_url: str | None = None,
    rebuild_all: bool = False,
) -> publish.publication.Publication:
    """Publish the session's draft as a new version, rebuild the public site, index it.

    ``site_url`` roots the absolute links (feed, webhooks); by default ``site_base_url``.
    Only the session's part of the site is rebuilt unless ``rebuild_all``.
    """
    publication = publish.publish_session(
        settings=settings,
        session_id=session_id,
        user_id=user_id,
        site_url=site_url,
        recording_for=lambda published_id: player_recording(settings, published_id),
        rebuild_all=rebuild_all,
    )
    with session_scope(settings.resolved_database_url) as db:
        minutes = publish.load_public_minutes(session=db, session_id=session_id)
    open_index(settings).index_minutes(minutes)
    return publication


def rebuild_site_step(*, settings: Settings) -> publish.site.SiteReport:
    """Rebuild the whole public site from published versions (after a template upgrade)."""
    return publish.rebuild_site(
        settings=settings, recording_for=lambda session_id: player_recording(settings, session_id)
    )


def player_recording(settings: Settings, session_id: str) -> Path | None:
    """The session's audio for the site's player, if processing made it."""
    path = work_dir(settings, session_id) / PLAYER_AUDIO
    return path if path.exists() else None


def fail_session(*, settings: Settings, session_id: str, error: str) -> None:
    """Mark a session failed with a message a clerk can act on; a file session's chunks and
    player audio are removed (made again from the stored file when it is processed again)."""
    with session_scope(settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=session_id, status="failed", error=error)
    folder = work_dir(settings, session_id)
    remove_derived_audio(
        settings=settings, session_id=session_id, folder=folder, player=folder / PLAYER_AUDIO
    )


def _names_given_by_reviewers(db: Session, session_id: str) -> dict[str, dict[str, Any]]:
    """The last naming of each speaker label by a reviewer (the speaker entry they saved)."""
    names: dict[str, dict[str, Any]] = {}
    for revision in load_revisions(session=db, session_id=session_id):
        if revision.action == "name_speaker":
            speaker = revision.after["speaker"]
            names[speaker["id"]] = speaker
    return names


def _seconds(diarization: Diarization, label: str) -> float:
    return sum(turn.end_s - turn.start_s for turn in diarization.turns if turn.speaker == label)


def _chunk_count(settings: Settings, session_id: str) -> int:
    with session_scope(settings.resolved_database_url) as db:
        count = len(load_chunks(session=db, session_id=session_id))
    if count == 0:
        raise NotFoundError(f"session {session_id} has no chunks: ingest it first")
    return count


def _player_url(audio: Path, page_dir: Path) -> str | None:
    if not audio.exists():
        return None
    page_dir.mkdir(parents=True, exist_ok=True)
    copy = page_dir / PLAYER_AUDIO
    if not copy.exists():
        copy.write_bytes(audio.read_bytes())
    return PLAYER_AUDIO


__all__ = [
    "create_session",
    "diarize_chunk_step",
    "fail_session",
    "finalize_session",
    "ingest_session",
    "prepare_database",
    "publish_step",
    "rebuild_site_step",
    "transcribe_chunk_step",
    "work_dir",
]
