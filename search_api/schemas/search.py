"""Search results as the API returns them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from search_api.schemas.common import SessionTime


class SearchHitPublic(BaseModel):
    segment_id: str
    session_id: str
    assembly: str
    session_title: str
    session_date: str
    status: str = Field(description="published, or draft (only for the assembly's secretariat)")
    speaker: str | None = Field(description="Speaker label in the session (S1, S2, …)")
    speaker_name: str | None
    member_id: str | None
    party: str | None
    language: str
    start_s: SessionTime = Field(
        description="Seconds from the start of the session, to the millisecond "
        "(``segments[].start`` in minutes.json)"
    )
    end_s: SessionTime = Field(
        description="Seconds from the start of the session (``segments[].end`` in minutes.json)"
    )
    text: str
    snippet: str = Field(description="HTML: the text escaped, matching words in <mark>")
    agenda: str | None = Field(description="Title of the agenda item under way")
    exact: bool = Field(description="The text holds the query's words exactly as typed")
    link: str = Field(description="Deep link to this moment on the assembly's page")


class FacetCountPublic(BaseModel):
    value: str
    label: str | None = None
    count: int


class SearchResultsPublic(BaseModel):
    data: list[SearchHitPublic]
    count: int = Field(description="Matches in all (the page holds at most `limit`)")
    facets: dict[str, list[FacetCountPublic]] = Field(
        description="Counts by assembly, member, party, year and language: over all matches, "
        "or estimated when `facets_approximate`"
    )
    facets_approximate: bool = Field(
        default=False,
        description="The facet counts are estimates (about N): counted over the most recent "
        "matches and scaled to `count`, because the query has very many; `count` is exact",
    )
    next_cursor: str | None
    backend: str
