"""Search over the minutes: the index interface and its records.

What a citizen types is parsed by ``kuvend.query_language`` (``SearchQuery.parsed``).

Backends (``kuvend/storage/index/``) implement ``SearchIndex``: SQLite FTS5 embedded, OpenSearch at
scale. Matching is on ``kuvend.text.fold_for_search`` forms (``keshilli`` finds ``këshilli``,
``скупштина`` finds ``skupština``); results whose original text holds the query's exact forms
rank first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal, Protocol

from kuvend.minutes import Minutes
from kuvend.query_language import ParsedQuery, parse_query

#: In ``SearchQuery.draft_assemblies``: drafts of every assembly are visible (the operator's
#: local view through ``kuvend search``).
ALL_ASSEMBLIES: Final = "*"

FacetName = Literal["assembly", "member", "party", "year", "language"]
FACETS: Final[tuple[FacetName, ...]] = ("assembly", "member", "party", "year", "language")


# --- what is asked and what comes back ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search: the user's text plus filters, visibility and paging.

    Drafts are invisible unless their assembly is in ``draft_assemblies`` (a secretariat's own
    assembly, or ``{ALL_ASSEMBLIES}`` for the operator's local view).
    """

    text: str
    assembly: str | None = None
    session_id: str | None = None
    member_id: str | None = None
    party: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    agenda: str | None = None
    """Words the agenda item's title must contain (folded), e.g. ``buxhet``."""
    draft_assemblies: frozenset[str] = frozenset()
    limit: int = 20
    offset: int = 0
    facets: bool = True

    @property
    def parsed(self) -> ParsedQuery:
        """The parsed query text (raises ``QueryError`` when it is malformed)."""
        return parse_query(self.text)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching segment, with where and when it was said, and a highlighted snippet.

    ``snippet`` is HTML: the original text escaped, matches wrapped in ``<mark>``.
    """

    segment_id: str
    session_id: str
    assembly: str
    session_title: str
    session_date: str
    status: str
    speaker: str | None
    speaker_name: str | None
    member_id: str | None
    party: str | None
    language: str
    start_s: float
    end_s: float
    text: str
    snippet: str
    agenda: str | None
    exact: bool
    """The original text holds the query's words exactly as typed (ranked first)."""
    score: float


@dataclass(frozen=True, slots=True)
class FacetCount:
    """How many hits have this value (e.g. assembly ``prishtine``: 12)."""

    value: str
    count: int
    label: str | None = None


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of hits, the total match count, facets over the matches, and how it was made."""

    hits: tuple[SearchHit, ...]
    total: int
    facets: Mapping[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    facets_approximate: bool = False
    """The facet counts are estimates: counted over the newest matches and scaled to
    ``total`` (a query with very many matches); ``total`` itself is exact."""
    backend: str = ""
    took_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A query to offer when one finds nothing: another form of it (``budzet*``), or the same
    query without its filters (``without_filters``); ``count`` hits either way."""

    query: str
    count: int
    without_filters: bool = False


class SearchIndex(Protocol):
    """A search index over minutes' segments; SQLite FTS5 and OpenSearch implement it."""

    name: str

    def index_minutes(self, minutes: Minutes) -> int:
        """Index a session's segments, replacing what was indexed for it; returns the count.

        Indexing a published version also drops the session's draft rows; indexing a draft
        replaces only the draft rows, so the published version stays searchable meanwhile.
        """
        ...

    def update_segments(self, minutes: Minutes, segment_ids: Collection[str]) -> int | None:
        """Re-index only ``segment_ids`` of a session already indexed with this status.

        ``minutes`` may be a partial draft; it must hold every segment of ``segment_ids``
        that still exists (an id it lacks was merged away and leaves the index). Returns how
        many segments were indexed, or None, changing nothing, when the session has nothing
        indexed with ``minutes.session.status`` (then index the whole session instead).
        """
        ...

    def remove_session(self, session_id: str) -> int:
        """Remove every indexed segment of a session; returns how many were removed."""
        ...

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a query; raises ``QueryError`` when its text is malformed."""
        ...

    def clear(self) -> None:
        """Remove everything (before a full reindex)."""
        ...


# --- helpers every backend shares -----------------------------------------------------------


def moment_path(assembly: str, session_id: str, start_s: float) -> str:
    """Path of a moment on the assembly's static page: ``/{assembly}/{session}/#t=12.3``.

    ``#t=`` is a W3C Media Fragment (seconds); the session page seeks its player there.
    """
    return f"/{assembly}/{session_id}/#t={start_s:.1f}"


def agenda_title_at(minutes: Minutes, start_s: float) -> str | None:
    """Title of the agenda item under way at ``start_s`` (the last one started by then)."""
    current: str | None = None
    for item in sorted(minutes.session.agenda, key=lambda item: item.start):
        if item.start <= start_s + 1e-6:
            current = item.title
    return current


def year_of(session_date: str) -> int | None:
    """The year of an ISO date string, or None when it is not one."""
    try:
        return date.fromisoformat(session_date[:10]).year
    except ValueError:
        return None
