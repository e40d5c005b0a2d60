"""Live captions: a Server-Sent Events stream of a session's captions while it is recorded, and
a small page citizens open to follow it (``/live/{session_id}``).

The rule, kept in one place (``crud.LIVE_STATUSES``): while a session is ``recording`` or
``stopping``, its captions are public; the moment the recording ends, the transcript is a
draft, invisible until the secretariat publishes it. So the stream and the page answer 404
for every session that is not live, whoever asks, and a stream ends when its recording does.

The live processor (``workers.live``) stores each chunk's segments as soon as the chunk is
transcribed (``caption`` events); the streaming captions (``workers.captions``, issue 18) write
committed words and the tentative tail to the session's ``CaptionLog`` a few seconds behind the
speaker (``committed`` and ``tentative`` events). The stream polls both; event ids are
``chunk-position`` plus ``~words`` once words are committed (``1-3~120``, ``~12``), so a client
that reconnects with ``Last-Event-ID`` resumes where it was. The static site is built from
published versions only, which is why the page is served from here.
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
from sse_starlette import EventSourceResponse, ServerSentEvent

from kuvend.config import Settings
from kuvend.errors import NotFoundError
from kuvend.live_captions import CaptionLog, LiveWord, captions_dir
from kuvend.storage.db import session_scope
from kuvend.storage.tables import SegmentRow
from search_api import crud
from search_api.deps import SessionDep, SettingsDep
from search_api.errors import ApiError
from search_api.pages.i18n import LANGUAGE_NAMES, PAGE_LANGUAGES
from search_api.pages.render import templates, texts_for
from search_api.routes.sessions import SessionId
from search_api.schemas.common import NOT_FOUND
from search_api.schemas.processing import (
    CaptionEvent,
    CommittedEvent,
    LiveWordPublic,
    TentativeEvent,
)

router = APIRouter(tags=["live"])
page_router = APIRouter(include_in_schema=False)

#: How often a stream looks for new captions: a quarter of the streaming captions' budget.
POLL_S = 0.5
#: Milliseconds a browser waits before reconnecting a dropped stream.
RECONNECT_MS = 3000

_CURSOR = re.compile(r"^(?:(\d{1,9})-(\d{1,9}))?(?:~(\d{1,9}))?$")
_STREAM_CONTENT: dict[str, Any] = {
    "text/event-stream": {
        "schema": {"type": "string"},
        "example": 'id: 0-0\nevent: caption\ndata: {"id": "…", "start": 0.0, "end": 2.5, '
        '"speaker": "S1", "language": "sq", "text": "…"}\n\n',
    }
}


_Cursor = tuple[tuple[int, int] | None, int]


def _cursor(value: str | None) -> _Cursor:
    """(last caption's (chunk, position) or ``None``, committed words seen) of an event id."""
    match = _CURSOR.match((value or "").strip())
    if match is None or (value and not (match[1] or match[3])):
        raise ApiError(400, "bad_request", "invalid Last-Event-ID: send the id of the last event")
    chunk = (int(match[1]), int(match[2])) if match[1] else None
    return chunk, int(match[3] or 0)


def _event_id(cursor: _Cursor) -> str:
    chunk, seq = cursor
    return (f"{chunk[0]}-{chunk[1]}" if chunk else "") + (f"~{seq}" if seq else "")


def _public(words: list[LiveWord]) -> list[LiveWordPublic]:
    return [
        LiveWordPublic(
            start=round(w.start_s, 2), end=round(w.end_s, 2), language=w.language, text=w.text
        )
        for w in words
    ]


def _event(row: SegmentRow, cursor: _Cursor) -> ServerSentEvent:
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
        id=_event_id(cursor),
    )


def _read(settings: Settings, session_id: str, cursor: _Cursor) -> Any:
    log = CaptionLog(captions_dir(settings, session_id))
    with session_scope(settings.resolved_database_url) as db:
        status, rows = crud.live_captions(session=db, session_id=session_id, after=cursor[0])
    return status, rows, log.committed_after(cursor[1]), log.tentative()


async def _captions(
    settings: Settings, session_id: str, cursor: _Cursor
) -> AsyncIterator[ServerSentEvent]:
    """Every caption after ``cursor``, as it appears, until the recording ends."""
    yield ServerSentEvent(retry=RECONNECT_MS)  # no data: sets the reconnection delay only
    shown: list[LiveWord] = []
    while True:
        status, rows, committed, tentative = await anyio.to_thread.run_sync(
            _read, settings, session_id, cursor
        )
        for row in rows:
            cursor = ((row.chunk_index, row.position), cursor[1])
            yield _event(row, cursor)
        if committed:
            cursor = (cursor[0], committed[-1].seq)
            data = CommittedEvent(seq=cursor[1], words=_public([c.word for c in committed]))
            yield ServerSentEvent(
                data=data.model_dump_json(), event="committed", id=_event_id(cursor)
            )
        if committed or tentative != shown:
            shown = tentative
            data_t = TentativeEvent(after=cursor[1], words=_public(tentative))
            yield ServerSentEvent(data=data_t.model_dump_json(), event="tentative")
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

    Each ``caption`` event is one segment of the accurate chunked pass (``id``, ``start``,
    ``end``, ``speaker``, ``language``, ``text``), a chunk (10–30 s) behind. The streaming
    captions come a few seconds behind the speaker: ``committed`` events carry words to append
    (they never change), ``tentative`` events the words after them that may still change
    (replace the previous ones). Event ids resume the stream after them (``Last-Event-ID``).
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
    """The live captions page in one language, chosen as the secretariat's pages choose it
    (``?lang=``, then ``Accept-Language``, then Albanian); 404 when the session is not live."""
    template = templates.get_template("live.html.j2")
    t = texts_for(request)
    nonce = secrets.token_urlsafe(16)
    headers = {
        # Only this page's own script and style run, and it talks to this server alone.
        "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'",
        "Content-Language": t.html_lang,
        "Vary": "Accept-Language, Cookie",
    }
    context: dict[str, Any] = {
        "t": t,
        "nonce": nonce,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in PAGE_LANGUAGES],
        "path": request.url.path,
    }
    try:
        row = crud.live_session(session=session, session_id=session_id)
    except NotFoundError:
        page = template.render(live=False, **context)
        return HTMLResponse(page, status_code=404, headers=headers)
    captions_url = request.url_for("live_captions", session_id=session_id).path
    page = template.render(
        live=True, title=row.title, date=row.date, captions_url=captions_url, **context
    )
    return HTMLResponse(page, headers=headers)
