"""``GET /search``: words and phrases over every published segment, with filters and facets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from kuvend.search import SearchHit, SearchQuery, SearchResults, moment_path
from kuvend.validation import Line
from search_api import crud
from search_api.deps import BaseUrlDep, CallerDep, IndexDep
from search_api.schemas.search import FacetCountPublic, SearchHitPublic, SearchResultsPublic

router = APIRouter(tags=["search"])
_T = TypeVar("_T")

#: Deep pages cost as much as the whole result set; nobody reads past this.
MAX_OFFSET = 10_000


@router.get("/search", summary="Search what was said")
def search(
    base_url: BaseUrlDep,
    index: IndexDep,
    caller: CallerDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            description='Words, "a phrase", -excluded, prefix*. Accents and script optional: '
            "keshilli finds këshilli, скупштина finds skupština.",
        ),
    ],
    assembly: Annotated[Line | None, Query(max_length=64)] = None,
    session: Annotated[Line | None, Query(max_length=32, description="A session id")] = None,
    member: Annotated[Line | None, Query(max_length=32, description="A member id")] = None,
    party: Annotated[Line | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    speaker: Annotated[
        Line | None, Query(max_length=32, description="The search page's name for `member`")
    ] = None,
    from_: Annotated[
        date | None, Query(alias="from", description="The search page's name for `date_from`")
    ] = None,
    to: Annotated[date | None, Query(description="The search page's name for `date_to`")] = None,
    agenda: Annotated[
        Line | None, Query(max_length=200, description="Words of the agenda item's title")
    ] = None,
    include_drafts: Annotated[
        bool, Query(description="Secretariat only: include your assembly's drafts")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[Line | None, Query(max_length=200)] = None,
) -> SearchResultsPublic:
    """Segments that match, exact forms first, each with a deep link to its moment."""
    offset = crud.decode_offset_cursor(cursor, maximum=MAX_OFFSET) if cursor else 0
    member = _one_of("member", member, "speaker", speaker)
    date_from = _one_of("date_from", date_from, "from", from_)
    date_to = _one_of("date_to", date_to, "to", to)
    query = SearchQuery(
        text=q,
        assembly=assembly,
        session_id=session,
        member_id=member,
        party=party,
        language=language,
        date_from=date_from,
        date_to=date_to,
        agenda=agenda,
        draft_assemblies=caller.staff if include_drafts else frozenset(),
        limit=limit,
        offset=offset,
    )
    results = crud.search_segments(index=index, query=query)
    return _public(results, base_url, offset + limit)


def _one_of(name: str, value: _T | None, alias: str, aliased: _T | None) -> _T | None:
    """A filter given by its API name or by the page's (a link copied from ``/search``)."""
    if value is not None and aliased is not None and value != aliased:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", alias),
              "msg": f"'{alias}' and '{name}' are the same filter: give one of them",
              "input": str(aliased)}]
        )  # fmt: skip
    return value if value is not None else aliased


def _public(results: SearchResults, base_url: str, next_offset: int) -> SearchResultsPublic:
    more = next_offset < results.total and next_offset <= MAX_OFFSET
    return SearchResultsPublic(
        data=[_hit(hit, base_url) for hit in results.hits],
        count=results.total,
        facets={
            name: [FacetCountPublic(value=f.value, label=f.label, count=f.count) for f in counts]
            for name, counts in results.facets.items()
        },
        facets_approximate=results.facets_approximate,
        next_cursor=crud.encode_cursor([next_offset]) if more else None,
        backend=results.backend,
    )


def _hit(hit: SearchHit, base_url: str) -> SearchHitPublic:
    link = base_url.rstrip("/") + moment_path(hit.assembly, hit.session_id, hit.start_s)
    return SearchHitPublic(
        segment_id=hit.segment_id,
        session_id=hit.session_id,
        assembly=hit.assembly,
        session_title=hit.session_title,
        session_date=hit.session_date,
        status=hit.status,
        speaker=hit.speaker,
        speaker_name=hit.speaker_name,
        member_id=hit.member_id,
        party=hit.party,
        language=hit.language,
        start_s=hit.start_s,
        end_s=hit.end_s,
        text=hit.text,
        snippet=hit.snippet,
        agenda=hit.agenda,
        exact=hit.exact,
        link=link,
    )
