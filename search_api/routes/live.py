"""Live captions: a Server-Sent Events stream of a session's captions while it is recorded, and
a small page citizens open to follow it (``/live/{session_id}``).

The rule, kept in one place (``crud.LIVE_STATUSES``): while a session is ``recording`` or
``stopping``, its captions are public; the moment the recording ends, the transcript is a
draft, invisible until the secretariat publishes it. So the stream and the page answer 404
for every session that is not live, whoever asks, and a stream ends when its recording does.

The live processor (``workers.live``) stores each chunk's segments as soon as the chunk is
transcribed; the stream polls the database for segments after the last one it sent (event
ids are ``chunk-position``, so a client that reconnects with ``Last-Event-ID`` resumes where
it was). The static site is built from published versions only, which is why the page is
served from here.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sse_starlette import EventSourceResponse, ServerSentEvent

from kuvend.config import Settings
from kuvend.errors import NotFoundError
from kuvend.storage.db import session_scope
from kuvend.storage.tables import SegmentRow
from search_api import crud
from search_api.deps import SessionDep, SettingsDep
from search_api.errors import ApiError
from search_api.routes.sessions import SessionId
from search_api.schemas.common import NOT_FOUND
from search_api.schemas.processing import CaptionEvent

router = APIRouter(tags=["live"])
page_router = APIRouter(include_in_schema=False)

#: How often a stream looks for new captions. A chunk is 30 s, so a second adds little.
POLL_S = 1.0
#: Milliseconds a browser waits before reconnecting a dropped stream.
RECONNECT_MS = 3000

_CURSOR = re.compile(r"^(\d{1,9})-(\d{1,9})$")
_templates = Environment(
    loader=PackageLoader("search_api", "templates"), autoescape=select_autoescape(["j2"])
)
_STREAM_CONTENT: dict[str, Any] = {
    "text/event-stream": {
        "schema": {"type": "string"},
        "example": 'id: 0-0\nevent: caption\ndata: {"id": "…", "start": 0.0, "end": 2.5, '
        '"speaker": "S1", "language": "sq", "text": "…"}\n\n',
    }
}


def _cursor(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = _CURSOR.match(value.strip())
    if match is None:
        raise ApiError(400, "bad_request", "invalid Last-Event-ID: send the id of the last event")
    return int(match[1]), int(match[2])


def _event(row: SegmentRow) -> ServerSentEvent:
    caption = CaptionEvent(
        id=row.id,
        start=round(row.start_s, 3),
        end=round(row.end_s, 3),
        speaker=row.speaker_label,
        language=row.language,
        text=row.text,
    )
    return ServerSentEvent(
        data=caption.model_dump_json(),
        event="caption",
        id=f"{row.chunk_index}-{row.position}",
    )


def _read(settings: Settings, session_id: str, after: tuple[int, int] | None) -> Any:
    with session_scope(settings.resolved_database_url) as db:
        return crud.live_captions(session=db, session_id=session_id, after=after)


async def _captions(
    settings: Settings, session_id: str, after: tuple[int, int] | None
) -> AsyncIterator[ServerSentEvent]:
    """Every caption after ``after``, as it appears, until the recording ends."""
    yield ServerSentEvent(retry=RECONNECT_MS)  # no data: sets the reconnection delay only
    while True:
        status, rows = await anyio.to_thread.run_sync(_read, settings, session_id, after)
        for row in rows:
            yield _event(row)
            after = (row.chunk_index, row.position)
        if status not in crud.LIVE_STATUSES:
            # Read after the status, so nothing stored before the recording ended is missed.
            yield ServerSentEvent(data=json.dumps({"status": status}), event="end")
            return
        await anyio.sleep(POLL_S)


@router.get(
    "/sessions/{session_id}/captions",
    summary="Live captions (Server-Sent Events)",
    response_class=Response,
    responses={
        200: {"description": "caption events, then one end event", "content": _STREAM_CONTENT},
        **NOT_FOUND,
    },
)
def live_captions(
    settings: SettingsDep,
    session: SessionDep,
    session_id: SessionId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> Response:
    """While a session is being recorded, its captions as they are recognised: public.

    Each ``caption`` event is one segment (``id``, ``start``, ``end``, ``speaker``,
    ``language``, ``text``); its event id resumes the stream after it (``Last-Event-ID``).
    One ``end`` event closes the stream when the recording ends. 404 for a session that is
    not live: once recording stops, the transcript is a draft until it is published.
    """
    after = _cursor(last_event_id)
    crud.live_session(session=session, session_id=session_id)
    session.close()  # the stream may last hours; it opens a short transaction per poll
    return EventSourceResponse(_captions(settings, session_id, after), ping=15, send_timeout=30)


@page_router.get("/live/{session_id}", response_class=HTMLResponse)
def live_page(
    request: Request,
    session: SessionDep,
    session_id: Annotated[str, Path(max_length=32)],
) -> HTMLResponse:
    """The live captions page (Albanian, Serbian, English); 404 when the session is not live."""
    template = _templates.get_template("live.html.j2")
    nonce = secrets.token_urlsafe(16)
    # Only this page's own script and style run, and it talks to this server alone.
    policy = {
        "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'"
    }
    try:
        row = crud.live_session(session=session, session_id=session_id)
    except NotFoundError:
        page = template.render(live=False, nonce=nonce)
        return HTMLResponse(page, status_code=404, headers=policy)
    captions_url = request.url_for("live_captions", session_id=session_id).path
    page = template.render(
        live=True, title=row.title, date=row.date, captions_url=captions_url, nonce=nonce
    )
    return HTMLResponse(page, headers=policy)
