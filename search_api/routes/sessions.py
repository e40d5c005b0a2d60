"""Sessions: the public list, published minutes and downloads, and each session's speakers."""

from __future__ import annotations

from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response

from kuvend.export_formats import EXPORT_FILES, ExportFormat
from kuvend.minutes import Minutes
from kuvend.storage.tables import SessionRow, as_utc
from search_api import crud
from search_api.deps import (
    BaseUrlDep,
    CallerDep,
    SessionDep,
    SettingsDep,
    get_actions,
    require_staff_of,
)
from search_api.errors import ApiError
from search_api.schemas.common import NOT_FOUND
from search_api.schemas.members import SpeakerPublic, SpeakersPublic
from search_api.schemas.sessions import SessionPublic, SessionsPublic, VersionPublic

router = APIRouter(tags=["sessions"])

SessionId = Annotated[str, Path(max_length=32)]
SessionStatus = Literal[
    "scheduled", "recording", "queued", "processing", "draft", "published", "failed"
]

#: Media types of the downloads (the files are written at publish time by the orchestration);
#: the formats are those the session page links to.
_DOWNLOAD_CONTENT: dict[str, Any] = {
    file.media_type: {"schema": {"type": "string"}}
    for name, file in EXPORT_FILES.items()
    if name != ExportFormat.json
}


def session_page(base_url: str, row: SessionRow) -> str:
    """The session's page on the assembly's static site, under ``base_url``."""
    return f"{base_url.rstrip('/')}/{row.assembly_slug}/{row.id}/"


def session_public(
    base_url: str, row: SessionRow, versions: list[Any], staff: frozenset[str]
) -> SessionPublic:
    """A session as the caller may see it: outsiders see only that it is published."""
    status = row.status if row.assembly_slug in staff else "published"
    return SessionPublic(
        id=row.id,
        assembly=row.assembly_slug,
        title=row.title,
        date=row.date,
        status=status,
        duration_s=row.duration_s,
        languages=list(row.languages),
        versions=[
            VersionPublic(version=v, sha256=h, published_at=as_utc(t)) for v, h, t in versions
        ],
        link=session_page(base_url, row),
    )


@router.get("/sessions", summary="Sessions, newest first")
def list_sessions(
    base_url: BaseUrlDep,
    session: SessionDep,
    caller: CallerDep,
    assembly: Annotated[str | None, Query(max_length=64)] = None,
    status: SessionStatus | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SessionsPublic:
    """Published sessions (and, for the secretariat, their own assembly's others).

    Pages are stable: ``next_cursor`` continues after the last session of this page even when
    new sessions are published meanwhile.
    """
    rows, next_cursor = crud.list_sessions(
        session=session,
        staff=caller.staff,
        assembly=assembly,
        status=status,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        limit=limit,
    )
    versions = crud.session_versions(session=session, session_ids=[row.id for row in rows])
    data = [session_public(base_url, row, versions[row.id], caller.staff) for row in rows]
    return SessionsPublic(data=data, count=len(data), next_cursor=next_cursor)


@router.get("/sessions/{session_id}", summary="One session", responses=NOT_FOUND)
def get_session(
    base_url: BaseUrlDep, session: SessionDep, caller: CallerDep, session_id: SessionId
) -> SessionPublic:
    """A session with its published versions."""
    row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
    versions = crud.session_versions(session=session, session_ids=[row.id])
    return session_public(base_url, row, versions[row.id], caller.staff)


@router.get(
    "/sessions/{session_id}/minutes", summary="Published minutes (JSON)", responses=NOT_FOUND
)
def get_minutes(
    session: SessionDep,
    caller: CallerDep,
    session_id: SessionId,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Minutes:
    """The minutes.json of the latest published version, or of ``version``."""
    return crud.published_minutes(
        session=session, staff=caller.staff, session_id=session_id, version=version
    )


@router.get(
    "/sessions/{session_id}/speakers", summary="Who spoke and for how long", responses=NOT_FOUND
)
def get_speakers(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    session_id: SessionId,
    draft: Annotated[
        bool,
        Query(description="Secretariat only: the draft under review instead of the published"),
    ] = False,
) -> SpeakersPublic:
    """The speakers of the latest published version (or, for the session's secretariat, of the
    draft), with their speaking statistics: time, turns, longest turn, time per language."""
    if draft:
        row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
        require_staff_of(caller, row.assembly_slug)
        minutes = get_actions(request).draft_minutes(session_id=session_id)
    else:
        minutes = crud.published_minutes(session=session, staff=caller.staff, session_id=session_id)
    data = [SpeakerPublic.model_validate(speaker.model_dump()) for speaker in minutes.speakers]
    return SpeakersPublic(data=data, count=len(data))


@router.get(
    "/sessions/{session_id}/downloads/{format}",
    summary="Download the published minutes",
    response_class=Response,
    responses={
        200: {"description": "The file", "content": _DOWNLOAD_CONTENT},
        **NOT_FOUND,
    },
)
def download(
    settings: SettingsDep,
    session: SessionDep,
    caller: CallerDep,
    session_id: SessionId,
    format: ExportFormat,
) -> Response:
    """JSON from the database; SRT, VTT, TXT, DOCX and Akoma Ntoso (``akn``, XML) as written
    when the version was published: every export the session page links to.

    The files live beside the page, in ``site_dir/{assembly}/{session_id}/`` (``minutes.srt``,
    ``minutes.akn.xml``, …); the download is named ``{assembly}-{session_id}.{extension}``.
    """
    minutes = crud.published_minutes(session=session, staff=caller.staff, session_id=session_id)
    export = EXPORT_FILES[format]
    extension = export.filename.removeprefix("minutes.")
    filename = f"{minutes.session.assembly}-{session_id}.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == ExportFormat.json:
        return Response(minutes.to_json(), media_type=export.media_type, headers=disposition)
    path: FilePath = (
        settings.resolved_site_dir / minutes.session.assembly / session_id / export.filename
    )
    if not path.is_file():
        raise ApiError(404, "not_found", f"no {format.upper()} export of session {session_id}")
    return FileResponse(path, media_type=export.media_type, headers=disposition)
