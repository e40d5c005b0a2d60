"""The secretariat's endpoints: schedule, review, publish, record, announce a sitting ahead
(its agenda and materials), enrol a speaker's voice. Staff of the assembly only.

Signed in first (401), then the session must be visible to the caller (404), then it must be
their assembly's (403). Scheduling writes the session row through ``crud``; every review
change, publishing and recording go through the ``SessionActions`` the orchestration gave the
application (``publish``'s revision rules, ``ingest``'s recorder), 503 without it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend.review import (
    AssignTurn,
    EditText,
    MergeSegments,
    MoveBoundary,
    NameSpeaker,
    ReviewChange,
    ReviewRequest,
    SetAgenda,
    SplitSegment,
)
from kuvend.storage.agenda import MaterialRecord, load_materials
from kuvend.storage.tables import SpeakerRow
from search_api import crud
from search_api.deps import (
    SECRETARIAT_TAG,
    BaseUrlDep,
    Caller,
    CallerDep,
    CurrentUser,
    SessionDep,
    WriteSessionDep,
    get_actions,
    get_current_user,
    require_staff_of,
)
from search_api.routes.sessions import SessionId, session_public
from search_api.schemas.common import CONFLICT, FORBIDDEN, NOT_FOUND, UNAVAILABLE
from search_api.schemas.processing import VoiceprintEnrolled
from search_api.schemas.sessions import (
    ActionAccepted,
    AgendaUpdate,
    Announced,
    BoundaryMove,
    MaterialPublic,
    MaterialsPublic,
    MergeRequest,
    PublishResult,
    RecordingStart,
    SegmentPublic,
    SegmentsPublic,
    SegmentUpdate,
    SessionCreate,
    SessionPublic,
    SpeakerAssignment,
    SplitRequest,
    TurnAssignment,
)

router = APIRouter(
    tags=[SECRETARIAT_TAG],
    responses={**FORBIDDEN, **NOT_FOUND},
    dependencies=[Depends(get_current_user)],
)
_REVIEW = {**CONFLICT, **UNAVAILABLE}

SegmentId = Annotated[str, Path(max_length=64)]
Label = Annotated[str, Path(max_length=20)]


def _assembly(session: Session, caller: Caller, session_id: str) -> str:
    """The assembly of a session the caller can see (404 when it cannot)."""
    row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
    return row.assembly_slug


def _segments(session: Session, session_id: str) -> SegmentsPublic:
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
            overlap=row.overlap,
        )
        for row in rows
    ]
    return SegmentsPublic(data=data, count=len(data))


@dataclass(frozen=True, slots=True)
class _Reviewer:
    """A review request from staff of the session's assembly (checked before it is made)."""

    request: Request
    session: Session
    user_id: str
    session_id: str

    def apply(self, change: ReviewChange) -> SegmentsPublic:
        """Apply ``change`` through the orchestration; the draft's segments after it."""
        # The change is saved in the orchestration's own transaction. End this request's
        # first: on SQLite its read transaction keeps a snapshot from before the change, and
        # the answer must be what a GET right after it shows.
        self.session.rollback()
        get_actions(self.request).review(ReviewRequest(self.session_id, self.user_id, change))
        self.session.rollback()
        return _segments(self.session, self.session_id)


def _reviewer(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    session_id: SessionId,
) -> _Reviewer:
    require_staff_of(caller, _assembly(session, caller, session_id))
    return _Reviewer(request, session, user.id, session_id)


ReviewerDep = Annotated[_Reviewer, Depends(_reviewer)]


@router.post(
    "/assemblies/{slug}/sessions", summary="Schedule a session", status_code=status.HTTP_201_CREATED
)
def schedule_session(
    base_url: BaseUrlDep,
    session: WriteSessionDep,
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
    return session_public(base_url, row, [], caller.staff)


@router.get("/sessions/{session_id}/segments", summary="The draft under review")
def list_segments(session: SessionDep, caller: CallerDep, session_id: SessionId) -> SegmentsPublic:
    """The draft's current segments (superseded ones are kept as history, not listed)."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    return _segments(session, session_id)


@router.patch(
    "/sessions/{session_id}/segments/{segment_id}", summary="Correct a segment", responses=_REVIEW
)
def edit_text(
    review: ReviewerDep,
    segment_id: SegmentId,
    segment_in: SegmentUpdate,
) -> SegmentsPublic:
    """Correct a segment's text: a revision; words that still match keep their times."""
    change = EditText(segment_id=segment_id, text=segment_in.text)
    return review.apply(change)


@router.post(
    "/sessions/{session_id}/segments/{segment_id}/split",
    summary="Split a segment",
    responses=_REVIEW,
)
def split_segment(
    review: ReviewerDep,
    segment_id: SegmentId,
    split: SplitRequest,
) -> SegmentsPublic:
    """Split a segment in two at ``at_s``."""
    change = SplitSegment(segment_id=segment_id, at_s=split.at_s)
    return review.apply(change)


@router.post(
    "/sessions/{session_id}/segments/{segment_id}/boundary",
    summary="Move the boundary after a segment",
    responses=_REVIEW,
)
def move_boundary(
    review: ReviewerDep,
    segment_id: SegmentId,
    move: BoundaryMove,
) -> SegmentsPublic:
    """Move the boundary between this segment and the next one."""
    change = MoveBoundary(segment_id=segment_id, to_s=move.to_s)
    return review.apply(change)


@router.post("/sessions/{session_id}/merge", summary="Merge two segments", responses=_REVIEW)
def merge_segments(
    review: ReviewerDep,
    merge: MergeRequest,
) -> SegmentsPublic:
    """Merge two consecutive segments."""
    change = MergeSegments(first_id=merge.first_id, second_id=merge.second_id)
    return review.apply(change)


@router.post(
    "/sessions/{session_id}/segments/{segment_id}/turn",
    summary="Give a turn to a member or speaker",
    responses=_REVIEW,
)
def assign_turn(
    review: ReviewerDep,
    segment_id: SegmentId,
    turn: TurnAssignment,
) -> SegmentsPublic:
    """Give the whole turn containing this segment to a member or an existing speaker."""
    change = AssignTurn(segment_id=segment_id, member_id=turn.member_id, label=turn.label)
    return review.apply(change)


@router.put("/sessions/{session_id}/speakers/{label}", summary="Name a speaker", responses=_REVIEW)
def name_speaker(
    review: ReviewerDep,
    label: Label,
    assignment: SpeakerAssignment,
) -> SegmentsPublic:
    """Say who a speaker is for the whole session: a member (``member_id``), or a guest who is
    not a member (``name``); neither makes the speaker unnamed."""
    change = NameSpeaker(label=label, member_id=assignment.member_id, name=assignment.name)
    return review.apply(change)


@router.put("/sessions/{session_id}/agenda", summary="Set the agenda", responses=_REVIEW)
def set_agenda(
    review: ReviewerDep,
    agenda: AgendaUpdate,
) -> SegmentsPublic:
    """Replace the agenda items (start time, title) that divide the session into chapters."""
    change = SetAgenda(items=tuple((item.start_s, item.title) for item in agenda.items))
    return review.apply(change)


@router.post("/sessions/{session_id}/publish", summary="Approve and publish", responses=_REVIEW)
def publish(
    request: Request,
    base_url: BaseUrlDep,
    session: SessionDep,
    caller: CallerDep,
    user: CurrentUser,
    session_id: SessionId,
) -> PublishResult:
    """Freeze the reviewed draft as a new published version (earlier ones stay reachable).

    Flagged speech still unfilled is published as gaps; the response counts it."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    published = get_actions(request).publish(
        session_id=session_id, user_id=user.id, site_url=base_url
    )
    return PublishResult(
        session_id=session_id,
        version=published.version,
        unfilled_segments=published.unfilled_segments,
        unfilled_s=round(published.unfilled_s, 3),
    )


@router.post(
    "/sessions/{session_id}/recording/start",
    summary="Start recording the live stream",
    status_code=status.HTTP_202_ACCEPTED,
    responses=_REVIEW,
)
def start_recording(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
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
    responses=_REVIEW,
)
def stop_recording(
    request: Request, session: SessionDep, caller: CallerDep, session_id: SessionId
) -> ActionAccepted:
    """Stop the recording; what was recorded is processed to the end."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    get_actions(request).stop_recording(session_id=session_id)
    return ActionAccepted(session_id=session_id, status="stopping")


def material_public(record: MaterialRecord) -> MaterialPublic:
    """A material as the API shows it."""
    fields = asdict(record)
    del fields["session_id"]
    return MaterialPublic(**fields)


@router.get("/sessions/{session_id}/materials", summary="A session's materials")
def list_materials(
    session: SessionDep, caller: CallerDep, session_id: SessionId
) -> MaterialsPublic:
    """The documents attached to the session, published or not, in the order attached."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    data = [material_public(m) for m in load_materials(session=session, session_id=session_id)]
    return MaterialsPublic(data=data, count=len(data))


@router.post(
    "/sessions/{session_id}/announce",
    summary="Publish the agenda and materials ahead of the sitting",
    responses=_REVIEW,
)
def announce(
    request: Request,
    base_url: BaseUrlDep,
    session: SessionDep,
    caller: CallerDep,
    session_id: SessionId,
) -> Announced:
    """Make the session's agenda and materials public: the assembly's page and the site's front
    door list the sitting with its agenda and link its materials as soon as this returns."""
    assembly = _assembly(session, caller, session_id)
    require_staff_of(caller, assembly)
    session.close()
    public = get_actions(request).announce(session_id=session_id, site_url=base_url)
    return Announced(
        session_id=session_id, public=public, assembly_url=f"{base_url.rstrip('/')}/{assembly}/"
    )


@router.post(
    "/sessions/{session_id}/speakers/{label}/voice",
    summary="Enrol a speaker's voice as the member's",
    responses=_REVIEW,
)
def enrol_speaker(
    request: Request, session: SessionDep, caller: CallerDep, session_id: SessionId, label: Label
) -> VoiceprintEnrolled:
    """Make (or refine) the voiceprint of the member this speaker is named as, from the
    speaker's voice in this session, so that later sessions name the member by voice. Done
    whether or not the assembly lets namings refine voiceprints; 409 for a speaker not named
    as a member or with no voice measured."""
    require_staff_of(caller, _assembly(session, caller, session_id))
    member_id = session.scalar(
        select(SpeakerRow.member_id).where(
            SpeakerRow.session_id == session_id, SpeakerRow.label == label
        )
    )
    session.close()
    speech_s = get_actions(request).enrol_speaker(session_id=session_id, label=label)
    return VoiceprintEnrolled(member_id=member_id or "", speech_s=round(speech_s, 3))
