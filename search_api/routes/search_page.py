"""The public search page ``/search`` and its Atom feed ``/search.atom`` (HTML, not the API).

Parameters, all in the query string so that every result list is a link to share: ``q``,
``assembly``, ``speaker`` (a member id), ``party``, ``language``, ``from``, ``to``
(``YYYY-MM-DD``), ``page`` and ``lang`` (``sq``, ``sr``, ``sr-Cyrl``, ``en``; without it the
page's language is chosen as the site's pages choose it: the language cookie,
``Accept-Language``, then Albanian, and the answer varies by those headers). Only published
minutes are searched, whoever asks. When a query finds nothing, its words' stems as prefixes
(``budžetu`` → ``budzet*``) and the query without its filters are tried and offered.

The page is drawn by the site's templates: the application is given a ``SearchPages``
renderer (``publish.search_page``) by whoever builds it, so this stage imports no other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from kuvend.errors import QueryError
from kuvend.query_language import check_query_text, parse_query
from kuvend.search import SearchIndex, SearchQuery, SearchResults, Suggestion
from kuvend.text import name_for_page
from kuvend.validation import first_control_character
from search_api import crud
from search_api.deps import BaseUrlDep, SessionDep
from search_api.pages.i18n import choose_language
from search_api.ratelimit import enforce_page_quota
from search_api.site_files import VARY

#: Citizens behind one office address share a quota: the pages' own, not the API's.
router = APIRouter(include_in_schema=False, dependencies=[Depends(enforce_page_quota)])

PAGE_SIZE: Final = 20
#: Deep pages cost as much as the whole result set; nobody reads past this.
MAX_PAGE: Final = 50
FEED_SIZE: Final = 50
_LANGUAGES: Final = frozenset({"sq", "sr", "sr-Cyrl", "en"})
_PARAMETERS: Final = ("q", "assembly", "speaker", "party", "language", "from", "to", "lang")
#: The longest value of each parameter, as the API's /api/v1/search allows.
_MAX_CHARS: Final = {"q": 500, "assembly": 64, "speaker": 32, "party": 200, "language": 3}
#: The page's scripts and styles are its own files; forms go only to this server.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SearchPages(Protocol):
    """Draws the page and the feed; ``publish.search_page`` is one (a module)."""

    def assets_dir(self) -> Path: ...

    def render_search_page(
        self,
        params: Mapping[str, str],
        results: SearchResults | None,
        *,
        page_language: str,
        page: int,
        page_size: int,
        error: QueryError | None = ...,
        suggestions: Sequence[Suggestion] = ...,
        labels: Mapping[str, str] | None = ...,
    ) -> str: ...

    def render_search_feed(
        self,
        params: Mapping[str, str],
        results: SearchResults,
        *,
        base_url: str,
        page_language: str,
        updated: datetime,
    ) -> bytes: ...


def _params(request: Request) -> dict[str, str]:
    """The page's parameters; ``lang`` only when the query string names a language (links
    then keep it), empty otherwise (each visitor's own language is chosen again)."""
    raw = request.query_params
    # Whole, not cut: an over-long value is refused by ``_query`` as the API refuses it.
    params = {key: raw.get(key, "").strip() for key in _PARAMETERS}
    if params["lang"] not in _LANGUAGES:
        params["lang"] = ""
    return params


def _shown(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` as the page may echo them: without control characters (a NUL in the form's
    value would break the page; ``_query`` has already said which one was refused)."""
    return {
        key: "".join(
            char for char in value if first_control_character(char, allowed="\t\n\r") is None
        )
        for key, value in params.items()
    }


def _query(params: Mapping[str, str], *, limit: int, offset: int) -> SearchQuery:
    """The ``SearchQuery`` of the page's parameters; ``QueryError`` for a malformed date, a
    control character in any of them, or one longer than the API allows."""
    for value in params.values():
        check_query_text(value)
    for key, limit in _MAX_CHARS.items():
        if len(params[key]) > limit:
            raise QueryError(
                f"the query is longer than {limit} characters"
                if key == "q"
                else f"{key} is longer than {limit} characters",
                key="too_long" if key == "q" else "too_long_filter",
                limit=limit,
            )
    dates: dict[str, date | None] = {}
    for key in ("from", "to"):
        try:
            dates[key] = date.fromisoformat(params[key]) if params[key] else None
        except ValueError:
            raise QueryError(
                f"{params[key]!r} is not a date: write it as YYYY-MM-DD",
                key="not_a_date",
                value=params[key],
            ) from None
    return SearchQuery(
        text=params["q"],
        assembly=params["assembly"] or None,
        member_id=params["speaker"] or None,
        party=params["party"] or None,
        language=params["language"] or None,
        date_from=dates["from"],
        date_to=dates["to"],
        limit=limit,
        offset=offset,
    )


def _suggestions(index: SearchIndex, query: SearchQuery) -> list[Suggestion]:
    """Queries that find something when ``query`` finds nothing: stems as prefixes, then the
    same query without its filters."""
    found: list[Suggestion] = []
    clauses = parse_query(query.text).clauses
    stemmed = " ".join(
        f"{clause.stem}*" if clause.stem else _as_text(clause.words, clause.phrase, clause.negated)
        for clause in clauses
    )
    if stemmed != query.text and any(clause.stem for clause in clauses):
        count = index.search(replace(query, text=stemmed, limit=1, offset=0, facets=False)).total
        if count:
            found.append(Suggestion(stemmed, count))
    unfiltered = SearchQuery(text=query.text, limit=1, facets=False)
    if unfiltered != replace(query, limit=1, offset=0, facets=False):
        count = index.search(unfiltered).total
        if count:
            found.append(Suggestion(query.text, count, without_filters=True))
    return found


def _as_text(words: tuple[str, ...], phrase: bool, negated: bool) -> str:
    text = " ".join(words)
    return ("-" if negated else "") + (f'"{text}"' if phrase else text)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: SessionDep) -> Response:
    """The search page: a form, and for a query its hits, facets, pages and feed link."""
    pages: SearchPages = request.app.state.search_pages
    index: SearchIndex = request.app.state.index
    params = _params(request)
    try:
        page = min(max(1, int(request.query_params.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    results: SearchResults | None = None
    error: QueryError | None = None
    suggestions: list[Suggestion] = []
    if params["q"]:
        try:
            query = _query(params, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            results = index.search(query)
            if results.total == 0:
                suggestions = _suggestions(index, query)
        except QueryError as problem:
            error = problem
    language = choose_language(request)
    names = {
        row.slug: name_for_page(row.name, row.name_sr, page_language=language)
        for row in crud.list_assemblies(session=session)
    }
    html = pages.render_search_page(
        _shown(params), results, page_language=language, page=page, page_size=PAGE_SIZE,
        error=error, suggestions=suggestions, labels=names,
    )  # fmt: skip
    return HTMLResponse(
        html,
        status_code=400 if error else 200,
        headers={"Content-Security-Policy": CSP, "Content-Language": language, "Vary": VARY},
    )


@router.get("/search.atom")
def search_feed(request: Request, base_url: BaseUrlDep, session: SessionDep) -> Response:
    """The newest hits of a search as an Atom feed, so a query can be followed; refused (400,
    plain text) as the page and the API refuse the query."""
    pages: SearchPages = request.app.state.search_pages
    index: SearchIndex = request.app.state.index
    params = _params(request)
    try:
        results = index.search(replace(_query(params, limit=FEED_SIZE, offset=0), facets=False))
    except QueryError as problem:
        return Response(str(problem), status_code=400, media_type="text/plain; charset=utf-8")
    language = choose_language(request)
    # A feed without entries is as new as the newest publication (now, before the first).
    updated = crud.last_publication_time(session=session) or datetime.now(UTC)
    feed = pages.render_search_feed(
        params, results, base_url=base_url, page_language=language, updated=updated
    )
    return Response(feed, media_type="application/atom+xml", headers={"Vary": VARY})
