"""The secretariat's endpoints: schedule, review, publish, record. Staff of the assembly only.

Review edits write the working copy straight to storage (with a revision each) through
``crud``; publishing and recording need the pipeline, so they call the ``SessionActions`` the
orchestration gave the application (503 without it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from sqlalchemy.orm import Session

from search_api import crud
from search_api.deps import (
    SECRETARIAT_TAG,
    Caller,
    CallerDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    get_actions,
    get_current_user,
    require_staff_of,
)
from search_api.routes.sessions import SessionId, session_public
from search_api.schemas.common import CONFLICT, FORBIDDEN, NOT_FOUND, UNAVAILABLE
from search_api.schemas.sessions import (
    ActionAccepted,
    AgendaItemCreate,
    AgendaItemPublic,
    PublishResult,
    RecordingStart,
    SegmentPublic,
    SegmentsPublic,
    SegmentUpdate,
    SessionCreate,
    SessionPublic,
    SpeakerAssignment,
)

# Signed in first (401), then the session must be visible (404), then the caller's (403).
router = APIRouter(
    tags=[SECRETARIAT_TAG],
    responses={**FORBIDDEN, **NOT_FOUND},
    dependencies=[Depends(get_current_user)],
)

SegmentId = Annotated[str, Path(max_length=32)]
Label = Annotated[str, Path(max_length=20)]


@router.post(
    "/assemblies/{slug}/sessions",
    summary="Schedule a session",
    status_code=status.HTTP_201_CREATED,
)
def schedule_session(
    settings: SettingsDep,
    session: SessionDep,
    caller: CallerDep,
    slug: Annotated[str, Path(max_length=64)],
    session_in: SessionCreate,
) -> SessionPublic:
    """A new session of the caller's assembly, before recording or upload."""
    require_staff_of(caller, slug)
    crud.get_assembly(session=session, slug=slug)
    row = crud.schedule_session(
        session=session,
        assembly=slug,
        title=session_in.title,
        day=session_in.date,
        languages=session_in.languages,
    )
    session.commit()
    return session_public(settings, row, [], caller.staff)


@router.get("/sessions/{session_id}/segments", summary="The working copy under review")
def list_segments(session: SessionDep, caller: CallerDep, session_id: SessionId) -> SegmentsPublic:
    """Current segments (draft included) for the secretariat to review."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    rows = crud.list_segments(session=session, session_id=session_id)
    data = [
        SegmentPublic(
            id=row.id,
            start_s=row.start_s,
            end_s=row.end_s,
            speaker=row.speaker_label,
            language=row.language,
            text=row.text,
            reviewed=row.reviewed,
        )
        for row in rows
    ]
    return SegmentsPublic(data=data, count=len(data))


@router.patch("/sessions/{session_id}/segments/{segment_id}", summary="Correct a segment")
def update_segment(
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    session_id: SessionId,
    segment_id: SegmentId,
    segment_in: SegmentUpdate,
) -> SegmentPublic:
    """Fix a segment's text or speaker; kept as a revision, never overwritten silently."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    row = crud.update_segment(
        session=session,
        session_id=session_id,
        segment_id=segment_id,
        user_id=user.id,
        text=segment_in.text,
        speaker=segment_in.speaker,
    )
    session.commit()
    return SegmentPublic(
        id=row.id,
        start_s=row.start_s,
        end_s=row.end_s,
        speaker=row.speaker_label,
        language=row.language,
        text=row.text,
        reviewed=row.reviewed,
    )


@router.put("/sessions/{session_id}/speakers/{label}", summary="Name a speaker")
def assign_speaker(
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    session_id: SessionId,
    label: Label,
    assignment: SpeakerAssignment,
) -> ActionAccepted:
    """Say which member a session's speaker is (for the whole session)."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    crud.assign_speaker(
        session=session,
        session_id=session_id,
        label=label,
        member_id=assignment.member_id,
        user_id=user.id,
    )
    session.commit()
    return ActionAccepted(session_id=session_id, status="speaker assigned")


@router.post(
    "/sessions/{session_id}/agenda",
    summary="Add an agenda item",
    status_code=status.HTTP_201_CREATED,
)
def add_agenda_item(
    session: SessionDep, caller: CallerDep, session_id: SessionId, item_in: AgendaItemCreate
) -> AgendaItemPublic:
    """Append an agenda item (optionally published ahead of the session)."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    row = crud.add_agenda_item(
        session=session,
        session_id=session_id,
        title=item_in.title,
        start_s=item_in.start_s,
        published=item_in.published,
    )
    session.commit()
    return AgendaItemPublic(
        id=row.id,
        position=row.position,
        title=row.title,
        start_s=row.start_s,
        published=row.published,
    )


@router.post(
    "/sessions/{session_id}/publish",
    summary="Approve and publish",
    responses={**CONFLICT, **UNAVAILABLE},
)
def publish(
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    request: Request,
    session_id: SessionId,
) -> PublishResult:
    """Freeze the reviewed minutes as a new published version (earlier ones stay reachable)."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    version = get_actions(request).publish(session_id=session_id, user_id=user.id)
    return PublishResult(session_id=session_id, version=version)


@router.post(
    "/sessions/{session_id}/recording/start",
    summary="Start recording the live stream",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**CONFLICT, **UNAVAILABLE},
)
def start_recording(
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    session_id: SessionId,
    recording: RecordingStart,
) -> ActionAccepted:
    """Record ``stream_url`` into the session; chunks are processed as they close."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    get_actions(request).start_recording(session_id=session_id, stream_url=recording.stream_url)
    return ActionAccepted(session_id=session_id, status="recording")


@router.post(
    "/sessions/{session_id}/recording/stop",
    summary="Stop recording",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**CONFLICT, **UNAVAILABLE},
)
def stop_recording(
    session: SessionDep, caller: CallerDep, request: Request, session_id: SessionId
) -> ActionAccepted:
    """Stop the recording; what was recorded is processed to the end."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    get_actions(request).stop_recording(session_id=session_id)
    return ActionAccepted(session_id=session_id, status="stopping")


def _assembly(session: Session, caller: Caller, session_id: str) -> str:
    """The assembly of a session the caller can see (404 when it cannot)."""
    return crud.get_session(
        session=session, staff=caller.staff, session_id=session_id
    ).assembly_slug
