"""Sessions, their published versions, and the secretariat's working copy."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from kuvend.validation import Language, Line, Name, Seconds, SegmentText
from search_api.schemas.common import InputModel, SessionTime


class VersionPublic(BaseModel):
    version: int
    sha256: str
    published_at: datetime


class SessionPublic(BaseModel):
    id: str
    assembly: str
    title: str
    date: date
    status: str = Field(
        description="published for the public; the secretariat also sees scheduled, "
        "recording, queued, processing, draft and failed"
    )
    duration_s: float
    languages: list[str]
    versions: list[VersionPublic]
    link: str = Field(description="The session's page on the assembly's site")


class SessionsPublic(BaseModel):
    data: list[SessionPublic]
    count: int = Field(description="Sessions on this page")
    next_cursor: str | None


class SessionCreate(InputModel):
    title: Line = Field(min_length=1, max_length=300)
    date: date
    languages: list[Language] = Field(
        default_factory=lambda: ["sq", "sr"], min_length=1, max_length=10
    )


class SegmentPublic(BaseModel):
    id: str
    start_s: SessionTime = Field(
        description="Seconds from the start of the session, to the millisecond "
        "(``segments[].start`` in minutes.json)"
    )
    end_s: SessionTime = Field(
        description="Seconds from the start of the session (``segments[].end`` in minutes.json)"
    )
    speaker: str | None
    language: str
    text: str
    reviewed: bool
    overlap: bool = Field(
        description="Two or more people spoke at once during part of the segment: its words "
        "go to one speaker and may miss the other's (``segments[].overlap`` in minutes.json). "
        "Set by recognition, kept through review, not editable",
    )


class SegmentsPublic(BaseModel):
    data: list[SegmentPublic]
    count: int


class SegmentUpdate(InputModel):
    text: SegmentText = Field(min_length=1, max_length=20000)


class SplitRequest(InputModel):
    at_s: Seconds = Field(description="Session seconds inside the segment")


class BoundaryMove(InputModel):
    to_s: Seconds = Field(description="New end of this segment / start of the next")


class MergeRequest(InputModel):
    first_id: Line = Field(max_length=64)
    second_id: Line = Field(max_length=64)


class TurnAssignment(InputModel):
    member_id: Line | None = Field(default=None, max_length=32)
    label: Line | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _one_of(self) -> TurnAssignment:
        if (self.member_id is None) == (self.label is None):
            raise ValueError("give exactly one of member_id and label")
        return self


class SpeakerAssignment(InputModel):
    """Who a speaker is: a registered member, or a guest by name (a citizen in the public
    part, an official presenting a report); neither clears the naming."""

    member_id: Line | None = Field(
        default=None, max_length=32, description="The member who is this speaker"
    )
    name: Name | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A guest's name, for a speaker who is not a member",
    )

    @model_validator(mode="after")
    def _member_or_guest(self) -> SpeakerAssignment:
        if self.member_id is not None and self.name is not None:
            raise ValueError("give member_id for a member or name for a guest, not both")
        return self


class AgendaItemIn(InputModel):
    start_s: Seconds
    title: Line = Field(min_length=1, max_length=2000)


class AgendaUpdate(InputModel):
    items: list[AgendaItemIn] = Field(max_length=500)


class PublishResult(BaseModel):
    session_id: str
    version: int
    unfilled_segments: int = Field(
        default=0,
        ge=0,
        description="Flagged segments (speech with no trustworthy text) published as gaps that "
        "no reviewer has filled in; 0 when every gap is filled",
    )
    unfilled_s: float = Field(
        default=0.0, ge=0, description="The length of those segments, in seconds"
    )


class RecordingStart(InputModel):
    stream_url: Line = Field(
        max_length=2000,
        pattern=r"^(https?|rtmps?|rtsp|srt)://\S+$",
        description="HLS, RTMP, RTSP, SRT or HTTP stream",
    )


class ActionAccepted(BaseModel):
    session_id: str
    status: str


class MaterialPublic(BaseModel):
    """A document attached to a session (private until the agenda and materials are published)."""

    id: str
    title: str
    filename: str = Field(description="The name it was sent under (a label only)")
    content_type: str
    size_bytes: int
    sha256: str = Field(description="The file is kept under this hash")
    published: bool


class MaterialsPublic(BaseModel):
    data: list[MaterialPublic]
    count: int


class Announced(BaseModel):
    session_id: str
    public: int = Field(description="Agenda items and materials public now")
    assembly_url: str = Field(description="The assembly's public page, which lists the sitting")
