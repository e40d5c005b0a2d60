"""Sessions, their published versions, and the secretariat's working copy."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from kuvend.validation import Language, Line, Paragraph, Seconds


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


class SessionCreate(BaseModel):
    title: Line = Field(min_length=1, max_length=300)
    date: date
    languages: list[Language] = Field(
        default_factory=lambda: ["sq", "sr"], min_length=1, max_length=10
    )


class SegmentPublic(BaseModel):
    id: str
    start_s: float
    end_s: float
    speaker: str | None
    language: str
    text: str
    reviewed: bool


class SegmentsPublic(BaseModel):
    data: list[SegmentPublic]
    count: int


class SegmentUpdate(BaseModel):
    text: Paragraph = Field(min_length=1, max_length=20000)


class SplitRequest(BaseModel):
    at_s: Seconds = Field(description="Session seconds inside the segment")


class BoundaryMove(BaseModel):
    to_s: Seconds = Field(description="New end of this segment / start of the next")


class MergeRequest(BaseModel):
    first_id: Line = Field(max_length=64)
    second_id: Line = Field(max_length=64)


class TurnAssignment(BaseModel):
    member_id: Line | None = Field(default=None, max_length=32)
    label: Line | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _one_of(self) -> TurnAssignment:
        if (self.member_id is None) == (self.label is None):
            raise ValueError("give exactly one of member_id and label")
        return self


class SpeakerAssignment(BaseModel):
    member_id: Line | None = Field(
        default=None, max_length=32, description="The member who is this speaker; null to clear"
    )


class AgendaItemIn(BaseModel):
    start_s: Seconds
    title: Line = Field(min_length=1, max_length=2000)


class AgendaUpdate(BaseModel):
    items: list[AgendaItemIn] = Field(max_length=500)


class PublishResult(BaseModel):
    session_id: str
    version: int


class RecordingStart(BaseModel):
    stream_url: Line = Field(
        max_length=2000,
        pattern=r"^(https?|rtmps?|rtsp|srt)://\S+$",
        description="HLS, RTMP, RTSP, SRT or HTTP stream",
    )


class ActionAccepted(BaseModel):
    session_id: str
    status: str
