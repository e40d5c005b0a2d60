"""The secretariat's pages: sign in and out, the assembly's sessions, the review editor.

Server-rendered; the scripts (``search_api/static/secretariat``) only add saving without a
reload, the player's keyboard shortcuts and live progress. Changes go through the JSON
endpoints of :mod:`search_api.pages.secretariat_api`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend.config import Settings
from kuvend.storage.agenda import load_agenda, save_planned_agenda
from kuvend.storage.chunks import load_progress
from kuvend.storage.publications import load_published_versions
from kuvend.storage.tables import AssemblyRow, MemberRow, SessionRow
from search_api import crud, security
from search_api.accounts import authenticate
from search_api.deps import SessionDep, SettingsDep
from search_api.errors import ApiError
from search_api.pages import ahead, editor_view, secretariat_api
from search_api.pages.render import page, streamed_page, texts_for
from search_api.pages.web_auth import (
    SignInFirstError,
    current_clerk,
    end_session,
    keep_signin_token,
    page_clerk,
    require_csrf,
    signin_token,
    signin_token_valid,
    start_session,
)

router = APIRouter(prefix="/secretariat", include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static" / "secretariat"

#: (keys, text key) of the editor's shortcuts, as the page lists them and editor.js reads them.
SHORTCUTS = (
    ("Alt+K", "shortcut_play"),
    ("Alt+J", "shortcut_back"),
    ("Alt+,", "shortcut_slower"),
    ("Alt+.", "shortcut_faster"),
    ("Alt+↓", "shortcut_next"),
    ("Alt+↑", "shortcut_previous"),
    ("Alt+N", "shortcut_doubt"),
    ("Alt+E", "shortcut_edit"),
    ("Ctrl+S", "shortcut_save"),
    ("Enter", "shortcut_enter"),
    ("Alt+S", "shortcut_split"),
    ("Alt+M", "shortcut_merge"),
)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _signin_page(request: Request, *, error: str | None = None, email: str = "") -> Response:
    token = signin_token(request)
    response = page(request, "signin.html.j2", clerk=None, error=error, email=email,
                    status_code=401 if error else 200, signin_token=token)  # fmt: skip
    keep_signin_token(request, response, token)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return _see_other("/secretariat/sessions")


@router.get("/signin")
def signin_form(request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    if current_clerk(request, settings, session) is not None:
        return _see_other("/secretariat/sessions")
    return _signin_page(request)


@router.post("/signin")
def signin(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password; the same message for an unknown email and a wrong password."""
    t = texts_for(request)
    if not signin_token_valid(request, csrf):
        return _signin_page(request, error=t("form_expired"), email=email)
    user = authenticate(
        session=session,
        email=email,
        password=password,
        decoy_hash=security.decoy_hash(settings.password_hash_memory_kib),
    )
    if user is None or user.role != "secretariat" or not user.assembly_slug:
        return _signin_page(request, error=t("wrong_credentials"), email=email)
    response = _see_other("/secretariat/sessions")
    start_session(response, request, settings, user.id)
    return response


@router.post("/signout")
def signout(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    clerk = current_clerk(request, settings, session)
    if clerk is not None:
        require_csrf(clerk, csrf)
    response = _see_other("/secretariat/signin")
    end_session(response)
    return response


def _session_rows(session: Session, assembly: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SessionRow)
        .where(SessionRow.assembly_slug == assembly)
        .order_by(SessionRow.date.desc(), SessionRow.title)
    )
    listed = []
    for row in rows:
        progress = load_progress(session=session, session_id=row.id)
        listed.append(
            {
                "id": row.id,
                "title": row.title,
                "date": row.date.isoformat(),
                "status": row.status,
                "duration_s": row.duration_s,
                "chunks_done": progress.chunks_done,
                "chunk_count": len(progress.chunks),
            }
        )
    return listed


@router.get("/sessions")
def sessions_page(request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    clerk = page_clerk(request, settings, session)
    assembly = session.get(AssemblyRow, clerk.assembly)
    listed = _session_rows(session, clerk.assembly)
    return page(
        request,
        "sessions.html.j2",
        clerk=clerk,
        sessions=listed,
        assembly_name=assembly.name if assembly else clerk.assembly,
        config={"csrf": clerk.csrf, "texts": dict(texts_for(request).catalog())},
    )


@router.post("/sessions")
def schedule(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    title: Annotated[str, Form(min_length=1, max_length=300)],
    day: Annotated[date, Form(alias="date")],
    csrf: Annotated[str, Form(max_length=100)] = "",
    agenda: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Schedule a session (and its planned agenda, one item a line)."""
    clerk = page_clerk(request, settings, session)
    require_csrf(clerk, csrf)
    assembly = session.get(AssemblyRow, clerk.assembly)
    languages = list(assembly.languages) if assembly else ["sq", "sr"]
    row = crud.schedule_session(
        session=session, assembly=clerk.assembly, title=" ".join(title.split()), day=day,
        languages=languages,
    )  # fmt: skip
    titles = [line.strip() for line in agenda.splitlines() if line.strip()]
    if titles:
        save_planned_agenda(
            session=session, session_id=row.id, titles=titles, user_id=clerk.user_id
        )
    session.commit()
    return _see_other("/secretariat/sessions")


def _media(settings: Settings, row: SessionRow) -> Path | None:
    # The pipeline's player audio (small, seekable) first, else the original recording.
    player = settings.data_dir / "sessions" / row.id / "audio.m4a"
    if player.is_file():
        return player
    original = Path(row.media_path) if row.media_path else None
    return original if original is not None and original.is_file() else None


@router.get("/sessions/{session_id}")
def editor_page(
    request: Request, settings: SettingsDep, session: SessionDep, session_id: str
) -> Response:
    clerk = page_clerk(request, settings, session)
    row = secretariat_api.own_session(session, clerk, session_id)
    t = texts_for(request)
    segments = editor_view.segment_views(session, session_id, t)
    members = session.scalars(
        select(MemberRow).where(MemberRow.assembly_slug == clerk.assembly).order_by(MemberRow.name)
    )
    versions = load_published_versions(session=session, session_id=session_id)
    agenda = [a for a in load_agenda(session=session, session_id=session_id)]
    return streamed_page(
        request,
        "editor.html.j2",
        clerk=clerk,
        session={
            "id": row.id,
            "title": row.title,
            "date": row.date.isoformat(),
            "status": row.status,
            "duration_s": row.duration_s,
        },
        segments=segments,
        lines_per_part=editor_view.LINES_PER_PART,
        review_count=sum(1 for s in segments if s.review),
        speakers=editor_view.speakers(session, session_id),
        members=[{"name": member.name} for member in members],
        agenda=[{"start": a.start_s or 0.0, "title": a.title} for a in agenda],
        gaps=[
            {"start": gap.start_s, "end": gap.end_s, "reason": gap.reason}
            for gap in editor_view.gaps(session, session_id)
        ],
        media_url=f"/secretariat/sessions/{row.id}/media" if _media(settings, row) else None,
        published_url=secretariat_api.public_url(row) if versions else None,
        published_version=versions[-1].version if versions else None,
        shortcuts=SHORTCUTS,
        config={"session": row.id, "csrf": clerk.csrf, "texts": dict(t.catalog())},
    )


@router.get("/sessions/{session_id}/media")
def media(
    request: Request, settings: SettingsDep, session: SessionDep, session_id: str
) -> Response:
    """The session's recording for the editor's player (Range requests, for seeking)."""
    clerk = page_clerk(request, settings, session)
    path = _media(settings, secretariat_api.own_session(session, clerk, session_id))
    if path is None:
        raise ApiError(404, "not_found", "this session has no recording yet")
    return FileResponse(path, headers={"Cache-Control": "private, no-store"})


def install(app: FastAPI) -> None:
    """Serve the pages, their JSON endpoints and their static files on ``app``."""
    app.include_router(router)
    app.include_router(secretariat_api.router)
    app.include_router(ahead.router)
    app.mount("/secretariat/static", StaticFiles(directory=STATIC), name="secretariat-static")

    @app.exception_handler(SignInFirstError)
    def _sign_in_first(request: Request, _: Exception) -> Response:
        return _see_other("/secretariat/signin")
