"""A session's agenda and materials, prepared and published ahead of the sitting.

The page ``/secretariat/sessions/{id}/materials`` lists the agenda and the attached documents
(each marked public or not yet), sets the planned agenda of a sitting not held yet, attaches a
document (title and file, checked and kept by :mod:`search_api.materials`), and publishes the
agenda and materials: ``SessionActions.announce`` makes them public and rebuilds the session's
part of the site, so that the assembly's page and the front door list the sitting with its
agenda and link its materials when the request returns. What is not published stays private;
the clerk downloads a material here, from the media store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kuvend.storage.agenda import load_agenda, load_materials, save_planned_agenda
from kuvend.storage.publications import load_published_versions
from search_api.deps import SessionDep, SettingsDep, get_actions
from search_api.errors import ApiError
from search_api.materials import (
    ACCEPTED,
    MAX_TITLE_CHARS,
    check_title,
    material_file,
)
from search_api.pages.render import page, texts_for
from search_api.pages.secretariat_api import api_clerk, own_session
from search_api.pages.web_auth import page_clerk, require_csrf
from search_api.routes.uploads import receive_material

router = APIRouter(include_in_schema=False)


def _page_url(session_id: str) -> str:
    return f"/secretariat/sessions/{session_id}/materials"


@router.get("/secretariat/sessions/{session_id}/materials")
def materials_page(
    request: Request, settings: SettingsDep, session: SessionDep, session_id: str
) -> Response:
    clerk = page_clerk(request, settings, session)
    row = own_session(session, clerk, session_id)
    t = texts_for(request)
    held = bool(load_published_versions(session=session, session_id=session_id))
    return page(
        request,
        "materials.html.j2",
        clerk=clerk,
        session=row,
        agenda=load_agenda(session=session, session_id=session_id),
        materials=load_materials(session=session, session_id=session_id),
        planned=row.status == "scheduled" and not held,
        accepted=ACCEPTED,
        max_title=MAX_TITLE_CHARS,
        max_mb=settings.max_material_bytes // 1024**2,
        assembly_url=f"/{row.assembly_slug}/",
        config={"session": row.id, "csrf": clerk.csrf, "texts": dict(t.catalog())},
    )


@router.post("/secretariat/sessions/{session_id}/agenda")
def plan_agenda(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    session_id: str,
    agenda: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Replace the planned agenda (one item a line) of a sitting not held yet."""
    clerk = page_clerk(request, settings, session)
    require_csrf(clerk, csrf)
    row = own_session(session, clerk, session_id)
    if row.status != "scheduled":
        raise ApiError(409, "conflict", texts_for(request)("agenda_held"))
    try:
        titles = [check_title(line) for line in agenda.splitlines() if line.strip()]
    except ValueError as error:
        raise ApiError(422, "invalid_request", f"agenda: {error}") from None
    save_planned_agenda(
        session=session, session_id=session_id, titles=titles, user_id=clerk.user_id
    )
    session.commit()
    return RedirectResponse(_page_url(session_id), status_code=303)


@router.get("/secretariat/sessions/{session_id}/materials/{material_id}")
def download(
    request: Request, settings: SettingsDep, session: SessionDep, session_id: str, material_id: str
) -> Response:
    """A material's file for the clerk (published or not), under the name it was sent with."""
    clerk = page_clerk(request, settings, session)
    own_session(session, clerk, session_id)
    materials = load_materials(session=session, session_id=session_id)
    found = next((m for m in materials if m.id == material_id), None)
    path = material_file(settings, found) if found else None
    if found is None or path is None or not path.is_file():
        raise ApiError(404, "not_found", f"material {material_id} not found")
    return FileResponse(
        path,
        media_type=found.content_type,
        filename=found.filename,
        headers={"Cache-Control": "private, no-store"},
    )


@router.post("/secretariat/api/sessions/{session_id}/materials", status_code=201)
async def attach(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    session_id: str,
    title: Annotated[str, Query(min_length=1, max_length=MAX_TITLE_CHARS)],
) -> dict[str, Any]:
    """Attach a document under ``title`` (private until published); the file in ``file``."""
    clerk = await run_in_threadpool(api_clerk, request, session)
    await run_in_threadpool(own_session, session, clerk, session_id)
    session.close()
    record = await receive_material(
        request, settings, session_id=session_id, title=title, user_id=clerk.user_id
    )
    return {"id": record.id, "title": record.title, "filename": record.filename}


@router.post("/secretariat/api/sessions/{session_id}/announce")
def announce(request: Request, session: SessionDep, session_id: str) -> dict[str, Any]:
    """Publish the agenda and materials; the public pages list them when this returns."""
    clerk = api_clerk(request, session)
    row = own_session(session, clerk, session_id)
    url = f"/{row.assembly_slug}/"
    session.close()
    public = get_actions(request).announce(session_id=session_id)
    return {"public": public, "url": url}
