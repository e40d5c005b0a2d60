"""Sessions, their published versions, and the secretariat's working copy."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


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
    title: str = Field(min_length=1, max_length=300)
    date: date
    languages: list[str] = Field(default_factory=lambda: ["sq", "sr"], min_length=1)


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
    text: str | None = Field(default=None, min_length=1, max_length=20000)
    speaker: str | None = Field(default=None, min_length=1, max_length=20)


class SpeakerAssignment(BaseModel):
    member_id: str | None = Field(description="The member who is this speaker; null to clear")


class AgendaItemCreate(BaseModel):
    title: str = Field(min_length=1, max_length=2000)
    start_s: float | None = Field(default=None, ge=0)
    published: bool = False


class AgendaItemPublic(BaseModel):
    id: int
    position: int
    title: str
    start_s: float | None
    published: bool


class PublishResult(BaseModel):
    session_id: str
    version: int


class RecordingStart(BaseModel):
    stream_url: str = Field(
        max_length=2000,
        pattern=r"^(https?|rtmps?|rtsp|srt)://\S+$",
        description="HLS, RTMP, RTSP, SRT or HTTP stream",
    )


class ActionAccepted(BaseModel):
    session_id: str
    status: str
