"""The editor's and the session list's JSON endpoints, behind the clerk's cookie and CSRF token.

Every change is one of ``kuvend.review``'s review changes, applied by the orchestration's
``SessionActions`` as a revision (who, when, before, after) — the same path as ``/api/v1``.
What comes back is the changed lines rendered as the page renders them, so that the script
swaps them in without a reload.

A text edit, a split, a merge and a turn carry the version of each segment the clerk edited
(the id of the revision that wrote it, 0 for none). When it is not the segment's version any
more, another clerk changed it first: 409 with "changed by X at T", and nothing is saved (the
check runs in the transaction that saves the change).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kuvend.errors import MediaError, VersionConflictError
from kuvend.review import (
    AssignTurn,
    EditText,
    MergeSegments,
    NameSpeaker,
    ReviewChange,
    ReviewRequest,
    SetAgenda,
    SplitSegment,
)
from kuvend.storage.members import member_named
from kuvend.storage.segment_history import segment_history
from kuvend.storage.tables import MemberRow, SessionRow
from kuvend.validation import SegmentText
from search_api import crud
from search_api.deps import SessionDep, SettingsDep, get_actions
from search_api.errors import ApiError
from search_api.pages import editor_view
from search_api.pages.i18n import Texts
from search_api.pages.render import fragment, texts_for
from search_api.pages.web_auth import CSRF_HEADER, Clerk, current_clerk, require_csrf
from search_api.streaming import staged_file

router = APIRouter(prefix="/secretariat/api", include_in_schema=False)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextEdit(_Body):
    text: Annotated[SegmentText, Field(max_length=20_000)]
    version: Annotated[int, Field(ge=0)]


class Split(_Body):
    at_s: Annotated[float, Field(ge=0)]
    version: Annotated[int, Field(ge=0)]


class Merge(_Body):
    first_id: Annotated[str, Field(max_length=64)]
    second_id: Annotated[str, Field(max_length=64)]
    first_version: Annotated[int, Field(ge=0)]
    second_version: Annotated[int, Field(ge=0)]


class Naming(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Chapter(_Body):
    start: Annotated[float, Field(ge=0)]
    title: Annotated[str, Field(min_length=1, max_length=300)]


class Agenda(_Body):
    items: Annotated[list[Chapter], Field(max_length=500)]


def public_url(row: SessionRow) -> str:
    """Where the published minutes of a session are on the public site."""
    return f"/{row.assembly_slug}/{row.id}/"


def api_clerk(request: Request, session: Session, *, changes: bool = True) -> Clerk:
    """The signed-in clerk (else 401); for a change, with the CSRF header (else 403)."""
    clerk = current_clerk(request, request.app.state.settings, session)
    if clerk is None:
        raise ApiError(401, "unauthorized", texts_for(request)("signed_out"))
    if changes:
        require_csrf(clerk, request.headers.get(CSRF_HEADER))
    return clerk


def own_session(session: Session, clerk: Clerk, session_id: str) -> SessionRow:
    """The session if it is the clerk's assembly's; else 404 (another's is not shown either)."""
    row = session.get(SessionRow, session_id)
    if row is None or row.assembly_slug != clerk.assembly:
        raise ApiError(404, "not_found", f"session {session_id} not found")
    return row


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _apply(
    request: Request,
    session: Session,
    clerk: Clerk,
    session_id: str,
    change: ReviewChange,
    expected: dict[str, int] | None = None,
) -> None:
    """Apply ``change``; with ``expected`` (segment id -> the version the clerk edited), 409
    "changed by X at T" and nothing saved if one of them changed meanwhile."""
    # End this request's transaction first: on SQLite it may hold a snapshot from before
    # the change, and what is read next must be what was saved.
    session.rollback()
    try:
        get_actions(request).review(
            ReviewRequest(session_id, clerk.user_id, change, expected), index_now=False
        )
    except VersionConflictError as error:
        t = texts_for(request)
        raise ApiError(
            409,
            "conflict",
            t("conflict", who=error.user_email or "?", when=_when(error.changed_at)),
        ) from None
    session.rollback()


def _lines(session: Session, session_id: str, t: Texts, ids: list[str]) -> dict[str, Any]:
    views = editor_view.segment_views(session, session_id, t, only=ids)
    return {"ids": [v.id for v in views], "html": fragment("_segment.html.j2", segments=views, t=t)}


def _guarded_change(
    request: Request,
    session: Session,
    session_id: str,
    change: ReviewChange,
    expected: dict[str, int],
) -> tuple[Texts, list[str]]:
    """Apply ``change`` if the segments are still at the ``expected`` versions (else 409);
    returns the page's texts and the ids of segments the change made."""
    clerk, t = api_clerk(request, session), texts_for(request)
    own_session(session, clerk, session_id)
    if not isinstance(change, SplitSegment):  # only a split makes a segment
        _apply(request, session, clerk, session_id, change, expected)
        return t, []
    before = set(editor_view.live_ids(session, session_id))
    _apply(request, session, clerk, session_id, change, expected)
    after = editor_view.live_ids(session, session_id)
    return t, [segment_id for segment_id in after if segment_id not in before]


@router.post("/sessions/{session_id}/segments/{segment_id}/text")
def edit_text(
    request: Request, session: SessionDep, session_id: str, segment_id: str, body: TextEdit
) -> dict[str, Any]:
    change = EditText(segment_id, body.text)
    t, _ = _guarded_change(request, session, session_id, change, {segment_id: body.version})
    return _lines(session, session_id, t, [segment_id])


@router.post("/sessions/{session_id}/segments/{segment_id}/split")
def split(
    request: Request, session: SessionDep, session_id: str, segment_id: str, body: Split
) -> dict[str, Any]:
    change = SplitSegment(segment_id, body.at_s)
    t, made = _guarded_change(request, session, session_id, change, {segment_id: body.version})
    return _lines(session, session_id, t, [segment_id, *made])


@router.post("/sessions/{session_id}/merge")
def merge(request: Request, session: SessionDep, session_id: str, body: Merge) -> dict[str, Any]:
    expected = {body.first_id: body.first_version, body.second_id: body.second_version}
    change = MergeSegments(body.first_id, body.second_id)
    t, _ = _guarded_change(request, session, session_id, change, expected)
    return _lines(session, session_id, t, [body.first_id])


def _member_named(session: Session, assembly: str, name: str) -> tuple[str, bool]:
    """The id of the assembly's member called ``name`` (any case or script: ``name_key``),
    made now if there is none."""
    clean = " ".join(name.split())
    found = member_named(session=session, assembly=assembly, name=clean)
    if found is not None:
        return found.id, False
    row = crud.create_member(session=session, assembly=assembly, name=clean, party=None, role=None)
    session.commit()
    return row.id, True


@router.put("/sessions/{session_id}/speakers/{label}")
def name_speaker(
    request: Request, session: SessionDep, session_id: str, label: str, body: Naming
) -> dict[str, Any]:
    """Name a speaker everywhere in the session: a registered member, or a new one."""
    clerk = api_clerk(request, session)
    own_session(session, clerk, session_id)
    member_id, created = _member_named(session, clerk.assembly, body.name)
    _apply(request, session, clerk, session_id, NameSpeaker(label, member_id))
    name = session.get(MemberRow, member_id)
    return {"label": label, "name": name.name if name else body.name, "created": created}


@router.post("/sessions/{session_id}/speakers/{label}/voice")
def enrol_speaker(
    request: Request, session: SessionDep, session_id: str, label: str
) -> dict[str, Any]:
    """Make the voiceprint of the member the speaker is named as from their voice here."""
    clerk = api_clerk(request, session)
    own_session(session, clerk, session_id)
    named = {s.label: s.name for s in editor_view.speakers(session, session_id)}
    session.close()
    speech_s = get_actions(request).enrol_speaker(session_id=session_id, label=label)
    name = named.get(label) or label
    message = texts_for(request)("voice_enrolled", name=name, seconds=round(speech_s))
    return {"label": label, "name": name, "speech_s": round(speech_s, 1), "message": message}


class Turn(Naming):
    version: Annotated[int, Field(ge=0)]
    """Of the segment the clerk chose; the turn's other segments are rewritten too."""


@router.post("/sessions/{session_id}/segments/{segment_id}/turn")
def assign_turn(
    request: Request, session: SessionDep, session_id: str, segment_id: str, body: Turn
) -> dict[str, Any]:
    """Give the turn containing a segment to a speaker label or a member (made if new)."""
    clerk, t = api_clerk(request, session), texts_for(request)
    own_session(session, clerk, session_id)
    labels = {s.label for s in editor_view.speakers(session, session_id)}
    if body.name in labels:
        change = AssignTurn(segment_id, label=body.name)
    else:
        change = AssignTurn(
            segment_id, member_id=_member_named(session, clerk.assembly, body.name)[0]
        )
    before = {
        r.id: r.speaker_label for r in crud.list_segments(session=session, session_id=session_id)
    }
    _apply(request, session, clerk, session_id, change, {segment_id: body.version})
    rows = crud.list_segments(session=session, session_id=session_id)
    changed = [r.id for r in rows if before.get(r.id) != r.speaker_label or r.id == segment_id]
    return {
        **_lines(session, session_id, t, changed),
        "speakers": _speaker_list(session, session_id),
    }


def _speaker_list(session: Session, session_id: str) -> list[dict[str, str | None]]:
    return [{"label": s.label, "name": s.name} for s in editor_view.speakers(session, session_id)]


@router.put("/sessions/{session_id}/agenda")
def set_agenda(
    request: Request, session: SessionDep, session_id: str, body: Agenda
) -> dict[str, Any]:
    clerk = api_clerk(request, session)
    own_session(session, clerk, session_id)
    items = tuple((item.start, item.title) for item in body.items)
    _apply(request, session, clerk, session_id, SetAgenda(items))
    return {"items": [{"start": s, "title": " ".join(title.split())} for s, title in sorted(items)]}


@router.get("/sessions/{session_id}/segments/{segment_id}/history")
def history(
    request: Request, session: SessionDep, session_id: str, segment_id: str
) -> dict[str, Any]:
    clerk = api_clerk(request, session, changes=False)
    own_session(session, clerk, session_id)
    changes = segment_history(session=session, session_id=session_id, segment_id=segment_id)
    return {
        "changes": [
            {"version": c.revision_id, "action": c.action, "who": c.user_email,
             "when": _when(c.created_at), "before": c.before_text, "after": c.after_text}
            for c in changes
        ]
    }  # fmt: skip


@router.post("/sessions/{session_id}/publish")
def publish(request: Request, session: SessionDep, session_id: str) -> dict[str, Any]:
    """Freeze the draft as a new public version; the page is public when this returns."""
    clerk = api_clerk(request, session)
    row = own_session(session, clerk, session_id)
    url = public_url(row)
    session.close()
    published = get_actions(request).publish(session_id=session_id, user_id=clerk.user_id)
    return {
        "version": published.version,
        "url": url,
        "unfilled_segments": published.unfilled_segments,
        "unfilled_s": round(published.unfilled_s, 3),
    }


@router.get("/progress")
def progress(request: Request, session: SessionDep) -> dict[str, Any]:
    """Status and processed chunks of every session of the clerk's assembly."""
    from kuvend.storage.chunks import load_progress

    clerk = api_clerk(request, session, changes=False)
    rows = session.scalars(select(SessionRow).where(SessionRow.assembly_slug == clerk.assembly))
    listed = []
    for row in rows:
        state = load_progress(session=session, session_id=row.id)
        listed.append({"id": row.id, "status": row.status, "done": state.chunks_done,
                       "count": len(state.chunks), "duration_s": row.duration_s})  # fmt: skip
    return {"sessions": listed}


@router.post("/sessions/{session_id}/media", status_code=202)
async def upload(
    request: Request, settings: SettingsDep, session: SessionDep, session_id: str
) -> dict[str, Any]:
    """A scheduled session's recording, sent from the list (with its progress bar)."""
    clerk = await run_in_threadpool(api_clerk, request, session)
    row = await run_in_threadpool(own_session, session, clerk, session_id)
    if row.status != "scheduled":
        raise ApiError(409, "conflict", texts_for(request)("not_scheduled"))
    session.close()
    actions = get_actions(request)
    async with staged_file(
        request, field="file", max_bytes=settings.max_upload_bytes,
        staging_dir=settings.data_dir / "uploads",
    ) as staged:  # fmt: skip
        try:
            receipt = await run_in_threadpool(
                lambda: actions.process_upload(
                    session_id=session_id, path=staged.path, filename=staged.filename
                )
            )
        except MediaError as error:
            raise ApiError(422, "unusable_media", str(error)) from None
    return {"status": "queued", "duration_s": receipt.duration_s}


class RecordingStart(_Body):
    stream_url: Annotated[str, Field(min_length=1, max_length=2000)]


@router.post("/sessions/{session_id}/recording/start", status_code=202)
def start_recording(
    request: Request, session: SessionDep, session_id: str, body: RecordingStart
) -> dict[str, str]:
    clerk = api_clerk(request, session)
    own_session(session, clerk, session_id)
    session.close()
    get_actions(request).start_recording(session_id=session_id, stream_url=body.stream_url)
    return {"status": "recording"}


@router.post("/sessions/{session_id}/recording/stop", status_code=202)
def stop_recording(request: Request, session: SessionDep, session_id: str) -> dict[str, str]:
    clerk = api_clerk(request, session)
    own_session(session, clerk, session_id)
    session.close()
    get_actions(request).stop_recording(session_id=session_id)
    return {"status": "stopping"}
