"""Files the secretariat sends: a session's recording, a member's voice sample, a material.

Who is calling is settled before a byte of the body is read (401, 403, 404, 409); then the
file streams to a private temporary file within its size limit (``search_api.streaming``),
and the orchestration's ``SessionActions`` checks and keeps it (``ingest``'s probe and
content-addressed store; ``diarize``'s enrolment). An unusable file is a 422 with one line
saying why, and leaves nothing stored. A material (a document for the sitting, checked and kept
by ``search_api.materials``) needs no other stage. Processing an accepted recording runs in the
background (on the workers' queues or on a thread of the API, as ``KUVEND_PROCESSING`` says);
the 202 answer points at its progress.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kuvend.config import Settings
from kuvend.errors import MediaError
from kuvend.storage.agenda import MaterialRecord
from search_api import crud
from search_api.deps import (
    SECRETARIAT_TAG,
    Caller,
    CallerDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    get_actions,
    require_staff_of,
)
from search_api.errors import ApiError
from search_api.materials import MAX_TITLE_CHARS, attach_material, check_title
from search_api.routes.secretariat import material_public
from search_api.routes.sessions import SessionId
from search_api.schemas.common import CONFLICT, FORBIDDEN, NOT_FOUND, UNAVAILABLE, ErrorBody
from search_api.schemas.processing import UploadAccepted, VoiceprintEnrolled
from search_api.schemas.sessions import MaterialPublic
from search_api.streaming import file_body, staged_file

router = APIRouter(tags=[SECRETARIAT_TAG])

Slug = Annotated[str, Path(max_length=64)]
MemberId = Annotated[str, Path(max_length=32)]
T = TypeVar("T")

#: A voice sample is 10-60 s of speech; even uncompressed 48 kHz stereo that is under 25 MB.
MAX_VOICE_SAMPLE_BYTES = 50 * 1024**2

_FILE_ERRORS: dict[int | str, dict[str, Any]] = {
    **FORBIDDEN,
    **NOT_FOUND,
    413: {"model": ErrorBody, "description": "The file is over the size limit"},
    415: {"model": ErrorBody, "description": "The body is not multipart/form-data"},
    422: {"model": ErrorBody, "description": "No file, or not usable media (the reason)"},
    **UNAVAILABLE,
}


async def _staged_then(
    request: Request, *, max_bytes: int, staging_dir: FilePath, work: Callable[[FilePath, str], T]
) -> T:
    """Stage the request's ``file`` field, then run ``work(path, filename)`` on a worker thread
    while the staged copy exists; a ``MediaError`` is a 422 ``unusable_media``."""
    async with staged_file(
        request, field="file", max_bytes=max_bytes, staging_dir=staging_dir
    ) as staged:
        try:
            return await run_in_threadpool(work, staged.path, staged.filename)
        except MediaError as error:
            raise ApiError(422, "unusable_media", str(error)) from None


def _scheduled_session(session: Session, caller: Caller, slug: str, session_id: str) -> None:
    """401/403 unless staff of ``slug``; 404 unless the session is theirs; 409 unless scheduled.

    Ends the request's database transaction: the upload that follows may take minutes.
    """
    require_staff_of(caller, slug)
    row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
    if row.assembly_slug != slug:
        raise ApiError(404, "not_found", f"session {session_id} not found in {slug}")
    current = row.status
    session.close()
    if current != "scheduled":
        raise ApiError(
            409,
            "conflict",
            f"session {session_id} is {current}: a recording can be uploaded only into a "
            "scheduled session (schedule a new one)",
        )


@router.post(
    "/assemblies/{slug}/sessions/{session_id}/media",
    summary="Upload a session's recording",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=file_body("Any audio or video file ffmpeg reads, in the field `file`"),
    responses={**_FILE_ERRORS, **CONFLICT},
)
async def upload_recording(
    request: Request,
    response: Response,
    settings: SettingsDep,
    session: SessionDep,
    caller: CallerDep,
    slug: Slug,
    session_id: SessionId,
) -> UploadAccepted:
    """Send the recording of a scheduled session; its processing starts when it is accepted.

    Refused with one line, storing nothing, when it is not media, is empty, has no audio,
    is too long or too large, or its audio stops early (a file cut short). The original is
    kept under its SHA-256; the file name is a label only.
    """
    await run_in_threadpool(_scheduled_session, session, caller, slug, session_id)
    actions = get_actions(request)
    receipt = await _staged_then(
        request,
        max_bytes=settings.max_upload_bytes,
        staging_dir=settings.data_dir / "uploads",
        work=lambda path, name: actions.process_upload(
            session_id=session_id, path=path, filename=name
        ),
    )
    progress_url = request.url_for("session_progress", session_id=session_id).path
    response.headers["Location"] = progress_url
    return UploadAccepted(
        session_id=session_id,
        status="queued",
        progress_url=progress_url,
        sha256=receipt.sha256,
        duration_s=receipt.duration_s,
        already_stored=receipt.already_stored,
    )


def _member_of_staff(session: Session, caller: Caller, member_id: str) -> None:
    """404 for an unknown member, 403 for another assembly's (401 came first, from the user)."""
    row = crud.get_member(session=session, member_id=member_id)
    assembly = row.assembly_slug
    session.close()
    require_staff_of(caller, assembly)


@router.put(
    "/members/{member_id}/voice",
    summary="Enrol a member's voice",
    openapi_extra=file_body("10-60 s of the member speaking, any audio format, field `file`"),
    responses=_FILE_ERRORS,
)
async def enrol_voice(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    caller: CallerDep,
    _user: CurrentUser,
    member_id: MemberId,
) -> VoiceprintEnrolled:
    """Make the member's voiceprint from a sample, so that sessions name them by voice.

    Only speech counts: a sample with under 10 s of it is refused; past 60 s the rest is not
    used. Replaces any earlier voiceprint.
    """
    await run_in_threadpool(_member_of_staff, session, caller, member_id)
    actions = get_actions(request)
    speech_s = await _staged_then(
        request,
        max_bytes=MAX_VOICE_SAMPLE_BYTES,
        staging_dir=settings.data_dir / "uploads",
        work=lambda path, name: actions.enrol_voice(member_id=member_id, path=path, filename=name),
    )
    return VoiceprintEnrolled(member_id=member_id, speech_s=round(speech_s, 3))


async def receive_material(
    request: Request, settings: Settings, *, session_id: str, title: str, user_id: str
) -> MaterialRecord:
    """The request's file attached to the session's materials under ``title``, private until
    published. ``ApiError`` 422 for a bad title, and as :func:`_staged_then` for the file."""
    try:
        clean = check_title(title)
    except ValueError as error:
        raise ApiError(422, "invalid_request", f"title: {error}") from None
    return await _staged_then(
        request,
        max_bytes=settings.max_material_bytes,
        staging_dir=settings.data_dir / "uploads",
        work=lambda path, name: attach_material(
            settings=settings, session_id=session_id, title=clean, path=path, filename=name,
            user_id=user_id,
        ),
    )  # fmt: skip


@router.post(
    "/sessions/{session_id}/materials",
    summary="Attach a material to a session",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=file_body("A PDF, DOCX, ODT, XLSX, ODS, PPTX, DOC, XLS, TXT, CSV, PNG or JPEG"),
    responses=_FILE_ERRORS,
)
async def attach(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    session_id: SessionId,
    title: Annotated[str, Query(min_length=1, max_length=MAX_TITLE_CHARS)],
) -> MaterialPublic:
    """Attach a document for the sitting (agenda papers, a draft budget), under ``title``.

    It stays private until the agenda and materials are published (``…/announce``). The file
    is kept under its SHA-256; the file name is a label only.
    """
    await run_in_threadpool(_staff_session, session, caller, session_id)
    record = await receive_material(
        request, settings, session_id=session_id, title=title, user_id=user.id
    )
    return material_public(record)


def _staff_session(session: Session, caller: Caller, session_id: str) -> None:
    """404 for a session the caller cannot see, 403 unless staff of its assembly."""
    row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
    assembly = row.assembly_slug
    session.close()
    require_staff_of(caller, assembly)
