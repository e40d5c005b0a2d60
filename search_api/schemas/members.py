"""Assemblies, members and a session's speakers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kuvend.validation import Line, Name
from search_api.schemas.common import InputModel


class AssemblyPublic(BaseModel):
    slug: str
    name: str
    name_sr: str | None = Field(
        default=None, description="Its name in Serbian (Serbian pages show it); null: `name`."
    )
    languages: list[str]
    serbian_script: str


class AssembliesPublic(BaseModel):
    data: list[AssemblyPublic]
    count: int


class MemberBase(BaseModel):
    name: Name = Field(min_length=1, max_length=200)
    party: Line | None = Field(default=None, max_length=200)
    role: Line | None = Field(default=None, max_length=100)


class MemberCreate(MemberBase, InputModel):
    pass


class MemberUpdate(InputModel):
    name: Name | None = Field(default=None, min_length=1, max_length=200)
    party: Line | None = Field(default=None, max_length=200)
    role: Line | None = Field(default=None, max_length=100)


class MemberPublic(MemberBase):
    id: str
    assembly: str
    has_voiceprint: bool


class MembersPublic(BaseModel):
    data: list[MemberPublic]
    count: int


class SpeakerPublic(BaseModel):
    id: str = Field(description="Label in the session: S1, S2, …")
    member_id: str | None
    name: str | None
    party: str | None
    speaking_time_s: float
    turns: int
    languages: dict[str, float]


class SpeakersPublic(BaseModel):
    data: list[SpeakerPublic]
    count: int
