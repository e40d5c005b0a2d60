"""The secretariat's actions on this machine's pipeline, for the API (``SessionActions``).

The API (``search_api``) is a stage and knows no other stage; what its secretariat endpoints
change is done here, by orchestration: review changes are ``publish.revisions``' pure functions
applied to the stored draft, publishing is the publish step, and recording is
``workers.recording``'s recorder on a thread of the API (stopped through the database, as
``kuvend stop`` does).

An uploaded recording is checked by ``ingest.validate_upload`` (the original kept under its
hash), given to its scheduled session, and processed by the same steps as every session:
on the Celery queues when ``KUVEND_PROCESSING=queue``, else (the embedded default, no
services) on one background thread of the API process, a session at a time, writing chunk
states as the workers do so that the progress endpoint reads the same either way. A member's
voice sample becomes a voiceprint through ``diarize.enrol_voice`` with the configured diarizer;
a speaker of a session enrols the member it is named as through ``workers.voiceprints``.
Announcing a sitting ahead is ``publish.announce_session`` (its part of the site rebuilt).

Sessions this process takes on in the embedded mode (an upload, a recording) carry a mark in
the database, so that when the API is killed mid-task, the next one to start picks up exactly
those (:meth:`PipelineActions.resume_interrupted`) and no session that another process (``kuvend
process``, ``kuvend record``, a Celery worker) is working on. The steps reuse what was stored.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from celery import Celery
from kombu.exceptions import OperationalError as BrokerError

import diarize
import ingest
import publish
from kuvend.config import Settings
from kuvend.domain import PublishedVersion, UploadReceipt
from kuvend.errors import ConflictError, MediaError, TransientError
from kuvend.minutes import Minutes
from kuvend.review import (
    EditText,
    MergeSegments,
    MoveBoundary,
    NameSpeaker,
    ReviewChange,
    ReviewRequest,
    SplitSegment,
)
from kuvend.storage.artifacts import load_artifact
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from kuvend.storage.media import MediaStore
from kuvend.storage.members import load_members, require_member
from kuvend.storage.sessions import (
    SessionStatus,
    attach_media,
    get_session,
    sessions_in,
    set_session_status,
)
from kuvend.storage.tables import SessionRow
from publish.review import apply_change, load_draft_minutes, revise
from workers import plan
from workers.background import BackgroundProcessing, embedded_key, mark_embedded
from workers.celery_app import create_app, session_pipeline
from workers.draft_index import DraftIndexer, index_draft
from workers.engines import voice_diarizer
from workers.recording import (
    begin_recording,
    record_session,
    request_stop,
)
from workers.steps import player_recording
from workers.voiceprints import enrol_from_sample, learn_from_naming

log = logging.getLogger(__name__)


#: A voice sample longer than this is refused before it is decoded (it would all be in memory).
MAX_VOICE_SAMPLE_S = 600.0


# The API gives up on an unreachable Redis after a few seconds: a person is waiting.
_SUBMIT_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.5, "interval_step": 1.0}


# Statuses a session of this process's is left in when the process dies mid-task.
_INTERRUPTED: tuple[SessionStatus, ...] = ("recording", "stopping", "queued", "processing")


class PipelineActions:
    """The secretariat's ``SessionActions`` on this machine's pipeline.

    Review changes are ``publish.revisions``' pure functions applied to the stored draft by
    ``publish.review.apply_change``; publishing is the workers' publish step (freeze, rebuild
    the site and its exports, webhooks) followed by indexing the published version; a
    recording runs on a thread of this process (one per session), and stopping it asks the
    recorder through the database, as ``kuvend stop`` does.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._diarizer: diarize.Diarizer | None = None
        self._queue_app: Celery | None = None
        self._background: BackgroundProcessing | None = None
        self._recorders: dict[str, threading.Event] = {}
        self._indexer: DraftIndexer | None = None

    def draft_indexer(self) -> DraftIndexer:
        """The background indexer of the drafts the browser editor saves (started once)."""
        with self._lock:
            if self._indexer is None:
                self._indexer = DraftIndexer(self.settings)
            return self._indexer

    def review(self, request: ReviewRequest, *, index_now: bool = True) -> None:
        session_id, user_id, change = request.session_id, request.user_id, request.change
        # An edit or a split touches one segment: read just that one, not the whole draft.
        only = [change.segment_id] if isinstance(change, EditText | SplitSegment) else None
        with session_scope(self.settings.resolved_database_url) as db:
            assembly = get_session(session=db, session_id=session_id).assembly_slug
            members = {m.id: m for m in load_members(session=db, assembly=assembly)}
            draft = apply_change(
                session=db,
                session_id=session_id,
                change=lambda draft: revise(draft, change, members, user_id),
                only=only,
                expected=request.expected,
            )
        # The secretariat searches its drafts: they show the corrected text at once (or, for
        # the browser editor's line-by-line saves, as soon as the background indexing runs).
        touched = _touched(change, draft)
        if not index_now:
            self.draft_indexer().request(session_id, touched)
        elif touched is None:
            open_index(self.settings).index_minutes(draft)  # ``only`` is None: the whole draft
        elif open_index(self.settings).update_segments(draft, touched) is None:
            index_draft(self.settings, session_id)  # the first change to an unindexed draft
        if isinstance(change, NameSpeaker) and change.member_id is not None:
            learn_from_naming(
                settings=self.settings,
                session_id=session_id,
                label=change.label,
                member_id=change.member_id,
            )

    def draft_minutes(self, *, session_id: str) -> Minutes:
        with session_scope(self.settings.resolved_database_url) as db:
            return load_draft_minutes(session=db, session_id=session_id)

    def publish(
        self, *, session_id: str, user_id: str, site_url: str | None = None
    ) -> PublishedVersion:
        publication = plan.PUBLISH.step(
            settings=self.settings, session_id=session_id, user_id=user_id, site_url=site_url
        )
        unfilled = publication.unfilled
        return PublishedVersion(publication.version, unfilled.segments, unfilled.seconds)

    def announce(self, *, session_id: str, site_url: str | None = None) -> int:
        return publish.announce_session(
            settings=self.settings,
            session_id=session_id,
            recording_for=lambda published_id: player_recording(self.settings, published_id),
            site_url=site_url,
        )

    def enrol_speaker(self, *, session_id: str, label: str) -> float:
        seconds = learn_from_naming(
            settings=self.settings, session_id=session_id, label=label, explicit=True
        )
        assert seconds is not None  # explicit: what stops it raises
        return seconds

    def start_recording(self, *, session_id: str, stream_url: str) -> None:
        if self.settings.processing == "queue":
            # At scale the API has no models; a recording machine runs the recorder.
            raise ConflictError(
                "this API leaves the work to the queue's machines: on the recording machine run "
                f"kuvend record {stream_url} --session {session_id}"
            )
        with self._lock:
            begin_recording(self.settings, session_id)  # ConflictError unless scheduled
            mark_embedded(self.settings, session_id)
            stop = threading.Event()
            self._recorders[session_id] = stop
        threading.Thread(
            target=self._record,
            args=(session_id, stream_url, stop),
            name=f"recorder-{session_id}",
            daemon=True,  # stopping the API is not held up; the next start closes the recording
        ).start()

    def stop_recording(self, *, session_id: str) -> None:
        request_stop(self.settings, session_id)  # the recorder, wherever it runs, sees it
        with self._lock:
            stop = self._recorders.get(session_id)
        if stop is not None:
            stop.set()  # ours: no need to wait for its next look at the database

    def resume_interrupted(self) -> list[str]:
        """Pick up the sessions an earlier API process left unfinished; returns their ids.

        For the embedded mode, called once when the API starts: a recording whose recorder
        died with that process is closed with what it had kept (``recording.json``), and it
        and every session left ``queued`` or ``processing`` go to the background processing,
        where the steps reuse the chunks and results already stored.
        """
        if self.settings.processing != "in_process":
            return []  # the queue redelivers what its workers did not finish
        with session_scope(self.settings.resolved_database_url) as db:
            left = [
                (session_id, status in ("recording", "stopping"))
                for session_id, status in sessions_in(session=db, statuses=_INTERRUPTED)
                if session_id not in self._recorders
                and load_artifact(session=db, key=embedded_key(session_id)) is not None
            ]
        background = self._background_processing()
        for session_id, recording in left:
            log.info("session %s: resuming after a restart", session_id)
            background.submit(session_id, close_recording=recording)
        return [session_id for session_id, _ in left]

    def _record(self, session_id: str, url: str, stop: threading.Event) -> None:
        try:
            record_session(self.settings, session_id, url, stop=stop)
        except Exception:  # the session is failed, with the reason; a thread has no caller
            log.exception("session %s: the recording failed", session_id)
        finally:
            with self._lock:
                self._recorders.pop(session_id, None)

    def process_upload(self, *, session_id: str, path: Path, filename: str) -> UploadReceipt:
        url = self.settings.resolved_database_url
        with session_scope(url) as db:
            _require_scheduled(get_session(session=db, session_id=session_id))
        store = MediaStore(self.settings.resolved_media_dir)
        options = ingest.IngestOptions.from_settings(self.settings)
        try:
            accepted = ingest.validate_upload(path, name=filename, store=store, options=options)
        except MediaError as error:
            raise _labelled(error, path, filename) from None
        with session_scope(url) as db:
            # Again: another upload may have been accepted meanwhile.
            _require_scheduled(get_session(session=db, session_id=session_id))
            attach_media(
                session=db,
                session_id=session_id,
                sha256=accepted.stored.sha256,
                path=accepted.stored.path,
            )
            set_session_status(
                session=db,
                session_id=session_id,
                status="queued",
                duration_s=accepted.media.duration_s,
            )
            if self.settings.processing != "queue":
                mark_embedded(self.settings, session_id, db=db)
        log.info("session %s: upload %s accepted", session_id, accepted.original_name)
        if self.settings.processing == "queue":
            self._enqueue(session_id)
        else:
            self._background_processing().submit(session_id)
        return UploadReceipt(
            sha256=accepted.stored.sha256,
            duration_s=accepted.media.duration_s,
            already_stored=accepted.already_stored,
        )

    def enrol_voice(self, *, member_id: str, path: Path, filename: str) -> float:
        url = self.settings.resolved_database_url
        with session_scope(url) as db:
            require_member(session=db, member_id=member_id)
        try:
            label = ingest.check_upload_name(filename)
            ingest.probe_media(path, ingest.IngestOptions(max_duration_s=MAX_VOICE_SAMPLE_S))
            voiceprint = enrol_from_sample(
                settings=self.settings,
                diarizer=self._voice_diarizer(),
                member_id=member_id,
                sample=path,
            )
        except MediaError as error:
            raise _labelled(error, path, filename) from None
        log.info("member %s: voiceprint from %s (%.1f s)", member_id, label, voiceprint.speech_s)
        return voiceprint.speech_s

    def _voice_diarizer(self) -> diarize.Diarizer:
        with self._lock:
            if self._diarizer is None:
                self._diarizer = voice_diarizer(self.settings)
            return self._diarizer

    def _background_processing(self) -> BackgroundProcessing:
        with self._lock:
            if self._background is None:
                self._background = BackgroundProcessing(self.settings)
            return self._background

    def _enqueue(self, session_id: str) -> None:
        """Send the session's first task to the workers (its row is committed already)."""
        with self._lock:
            if self._queue_app is None:
                self._queue_app = create_app(self.settings)
            app = self._queue_app
        try:
            session_pipeline(app, session_id).apply_async(retry_policy=_SUBMIT_RETRY_POLICY)
        except BrokerError as error:
            log.error("session %s: cannot reach the queue: %s", session_id, error)
            message = "the processing queue cannot be reached; send the recording again later"
            with session_scope(self.settings.resolved_database_url) as db:
                # Back to scheduled, so that the same upload can be sent again (it is kept).
                set_session_status(
                    session=db, session_id=session_id, status="scheduled", error=message
                )
            raise TransientError(message) from error


def _touched(change: ReviewChange, draft: Minutes) -> set[str] | None:
    """The segments whose indexed fields ``change`` changed (``draft``: after it, holding
    them); None when it can change any segment's (a speaker's name, a turn, the agenda)."""
    match change:
        case EditText(segment_id) | SplitSegment(segment_id):
            # A split's draft is the partial one of the split segment: both parts.
            return {segment_id, *(segment.id for segment in draft.segments)}
        case MergeSegments(first_id, second_id):
            return {first_id, second_id}
        case MoveBoundary(segment_id):
            ids = [segment.id for segment in draft.segments]
            at = ids.index(segment_id)
            return set(ids[at : at + 2])
    return None


def _require_scheduled(row: SessionRow) -> None:
    if row.status != "scheduled":
        raise ConflictError(
            f"session {row.id} is {row.status}: a recording can be uploaded only into a "
            "scheduled session"
        )


def _labelled(error: MediaError, staged: Path, label: str) -> MediaError:
    """``error`` saying the name the user gave where it says the staged file's private name."""
    return MediaError(str(error).replace(staged.name, label))
