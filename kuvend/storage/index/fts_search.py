"""Reading the embedded index: a query's page of hits, its total and its facets.

The work is bounded by a window of hits, not by every match (``bench/search.py``: a word
matched 5 000 of 1 M segments on average, and ranking and grouping every one of them cost
about 180 CPU-ms a query):

- the total is counted on the FTS5 doclists alone, filters included (``fts_query``: filters
  are tags in the same MATCH expression), so it stays exact and costs microseconds per
  thousand matches;
- matches are taken newest first (most recently indexed, FTS5's rowid order) in windows of
  ``RANK_WINDOW``; each window is ranked (exact forms first, then the folded forms as typed,
  then BM25, computed for those rows only) and the windows follow one another, so a query
  with fewer matches than a window is ranked as a whole, and a page reads only the windows
  up to its end. With filters, BM25 gives way to recency (see ``run_search``);
- facets count the first window: exact when the query has at most ``RANK_WINDOW`` matches,
  otherwise the window's counts scaled to the total and flagged ``facets_approximate`` (shown
  as "about N").

Nothing is cached: every query reads the index as it is.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any, Final

from kuvend.errors import QueryError
from kuvend.query_language import ParsedQuery
from kuvend.search import ALL_ASSEMBLIES, FACETS, FacetCount, SearchHit, SearchQuery, SearchResults
from kuvend.storage.index.fts_query import any_of, date_tokens, fts_expressions, tag
from kuvend.storage.index.snippets import stored_hit
from kuvend.text import fold_for_search

#: How many of the newest matches are ranked and counted into facets at a time. At 1 M
#: segments BM25 costs about 5 µs a row and the facets' rows as much (bench/search.py); a word's
#: query took 11 CPU-ms on average with 500, 7 with 250.
RANK_WINDOW: Final = 250
_FACET_LIMIT: Final = 20
#: A date range longer than this is first clipped to the dates indexed.
_SHORT_RANGE_DAYS: Final = 3 * 366


def run_search(connection: sqlite3.Connection, query: SearchQuery) -> SearchResults:
    """One page of ``query``'s hits with its total and facets (see the module's docstring);
    ``QueryError`` when the query cannot run."""
    parsed = query.parsed
    words, exact, typed = fts_expressions(parsed)
    try:
        filters = _tag_filters(connection, query)
        if filters is None:
            return SearchResults((), 0, {name: () for name in FACETS} if query.facets else {})
        required, excluded = filters
        match = "(" + " AND ".join([words, *required]) + ")"
        match += "".join(f" NOT {term}" for term in excluded)
        residual, parameters = _residual(query)
        parameters["match"] = match
        # Whole windows up to the page's end, so that a hit's place does not depend on the
        # page asked for: the pages of a query list every match once.
        windows = -(-(query.offset + query.limit) // RANK_WINDOW)
        # BM25 weighs every phrase of the expression by its IDF, which FTS5 computes by
        # reading the phrase's whole doclist: a filter's tag (a year: 1/6 of the index) would
        # cost 10 CPU-ms a query at 1 M segments. With filters, the newest come first instead.
        score = "bm25(search_fts, 1.0, 0.0)" if not required else "0.0"
        candidates = connection.execute(
            f"SELECT search_fts.rowid, {score} FROM search_fts "
            + _join(residual)
            + "WHERE search_fts MATCH :match "
            + (f"AND {residual} " if residual else "")
            + "ORDER BY search_fts.rowid DESC LIMIT :window",
            {**parameters, "window": windows * RANK_WINDOW},
        ).fetchall()
        # A window not filled holds every match: no second pass to count them.
        full = len(candidates) == windows * RANK_WINDOW
        total = _count(connection, residual, parameters) if full else len(candidates)
        first = query.offset // RANK_WINDOW
        ranked = [
            hit
            for start in range(first * RANK_WINDOW, len(candidates), RANK_WINDOW)
            for hit in _rank(connection, candidates[start : start + RANK_WINDOW], exact, typed)
        ]
        skip = query.offset - first * RANK_WINDOW
        hits = _hits(connection, ranked[skip : skip + query.limit], parsed)
        newest = candidates[:RANK_WINDOW]
        facets = _facets(connection, [row[0] for row in newest]) if query.facets else {}
    except sqlite3.OperationalError as error:
        # The parser should make this unreachable; if FTS5 still refuses, it is the query.
        raise QueryError(f"the search engine cannot run this query: {error}") from error
    approximate = query.facets and total > len(newest)
    if approximate and newest:
        facets = _scaled(facets, total / len(newest))
    return SearchResults(hits, total, facets, facets_approximate=approximate)


def _tag_filters(
    connection: sqlite3.Connection, query: SearchQuery
) -> tuple[list[str], list[str]] | None:
    """The filters as MATCH terms on ``tags``, (required, excluded); None when they exclude
    everything."""
    terms: list[str] = []
    values = {
        "assembly": query.assembly,
        "session": query.session_id,
        "member": query.member_id,
        "party": query.party,
        "language": query.language,
    }
    terms += [f"tags : {tag(field, value)}" for field, value in values.items() if value]
    if query.date_from is not None or query.date_to is not None:
        first, last = _date_bounds(connection, query)
        tokens = date_tokens(first, last) if first and last else []
        if not tokens:
            return None
        terms.append(any_of(tokens))
    return terms, _hidden(connection, query.draft_assemblies)


def _date_bounds(
    connection: sqlite3.Connection, query: SearchQuery
) -> tuple[date | None, date | None]:
    """The query's date range within the first and last session indexed: an open end, or a
    range of many years (``0001-01-01``…``9999-12-31`` would be thousands of year tokens),
    is closed there."""
    first, last = query.date_from, query.date_to
    if first is not None and last is not None and (last - first).days <= _SHORT_RANGE_DAYS:
        return first, last
    low, high = connection.execute(
        "SELECT min(session_date), max(session_date) FROM search_sessions"
    ).fetchone()
    try:
        oldest, newest = date.fromisoformat(low), date.fromisoformat(high)
    except (TypeError, ValueError):  # nothing indexed, or no session with a date
        return None, None
    return max(first or oldest, oldest), min(last or newest, newest)


def _hidden(connection: sqlite3.Connection, drafts: frozenset[str]) -> list[str]:
    """MATCH terms for the rows to leave out: drafts, except those of ``drafts``' assemblies,
    and the published rows of a session whose visible draft is the newer text.

    Written as exclusions because drafts are few: ANDing a word with the tag every published
    row has would read that tag's whole doclist (7 CPU-ms a query at 1 M segments)."""
    draft = f"tags : {tag('status', 'draft')}"
    if not drafts:
        return [draft]
    rows = connection.execute(
        "SELECT session_id, assembly FROM search_sessions WHERE status = 'draft'"
    ).fetchall()
    visible = [(session, assembly) for session, assembly in rows
               if ALL_ASSEMBLIES in drafts or assembly in drafts]  # fmt: skip
    if not visible:
        return [draft]
    assemblies = sorted({assembly for _, assembly in visible})
    shadowed = any_of(tag("session", session) for session, _ in visible)
    return [
        f"({draft} NOT {any_of(tag('assembly', assembly) for assembly in assemblies)})",
        f"({shadowed} NOT {draft})",
    ]


def _residual(query: SearchQuery) -> tuple[str, dict[str, Any]]:
    """Conditions that are not tags (the agenda item's words), on the joined row ``s``."""
    if not query.agenda:
        return "", {}
    escaped = fold_for_search(query.agenda).replace("\\", "\\\\")
    escaped = escaped.replace("%", "\\%").replace("_", "\\_")
    return "s.agenda_folded LIKE :agenda ESCAPE '\\'", {"agenda": f"%{escaped}%"}


def _join(residual: str) -> str:
    return "JOIN search_segments AS s ON s.rowid = search_fts.rowid " if residual else ""


def _count(connection: sqlite3.Connection, residual: str, parameters: dict[str, Any]) -> int:
    sql = f"SELECT count(*) FROM search_fts {_join(residual)}WHERE search_fts MATCH :match"
    if residual:
        sql += f" AND {residual}"
    return int(connection.execute(sql, parameters).fetchone()[0])


def _rank(
    connection: sqlite3.Connection,
    candidates: list[tuple[int, float]],
    exact: str,
    typed: str | None,
) -> list[tuple[int, bool, float]]:
    """``(rowid, exact, score)`` of the candidates, best first: the exact forms, then the
    folded forms as typed, then BM25 (lower is better), then the newer row."""
    if not candidates:
        return []
    lowest = min(rowid for rowid, _ in candidates)

    def within(table: str, expression: str) -> set[int]:
        rows = connection.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid >= ?",
            (expression, lowest),
        )
        return {row[0] for row in rows}

    exact_rows = within("search_exact", exact)
    typed_rows = within("search_fts", typed) if typed else None
    keyed = sorted(
        candidates,
        key=lambda row: (
            row[0] not in exact_rows,
            typed_rows is not None and row[0] not in typed_rows,
            row[1],
            -row[0],
        ),
    )
    return [(rowid, rowid in exact_rows, score) for rowid, score in keyed]


def _hits(
    connection: sqlite3.Connection, page: list[tuple[int, bool, float]], parsed: ParsedQuery
) -> tuple[SearchHit, ...]:
    if not page:
        return ()
    marks = ", ".join("?" for _ in page)
    rows = connection.execute(
        f"SELECT rowid, * FROM search_segments WHERE rowid IN ({marks})",
        [rowid for rowid, _, _ in page],
    ).fetchall()
    by_rowid = {row[0]: row for row in rows}
    return tuple(
        stored_hit(by_rowid[rowid], parsed, exact=exact, score=score)
        for rowid, exact, score in page
        if rowid in by_rowid
    )


#: Each facet's column (and label) in the window's rows.
_FACET_COLUMNS: Final = {
    "assembly": ("assembly", "NULL"),
    "member": ("member_id", "max(speaker_name)"),
    "party": ("party", "NULL"),
    "year": ("year", "NULL"),
    "language": ("language", "NULL"),
}
#: One statement for the five facets: the window's rows are read once (MATERIALIZED) and
#: each facet's top values are grouped, ordered and cut in SQLite, not in Python.
_FACETS_SQL: Final = (
    "WITH w AS MATERIALIZED (SELECT assembly, member_id, speaker_name, party, year, language "
    "FROM search_segments WHERE rowid IN (SELECT value FROM json_each(:rowids))) "
    + " UNION ALL ".join(
        f"SELECT * FROM (SELECT '{name}', {column}, {label}, count(*) AS n FROM w "
        f"WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} "
        f"LIMIT {_FACET_LIMIT})"
        for name, (column, label) in _FACET_COLUMNS.items()
    )
)


def _facets(connection: sqlite3.Connection, rowids: list[int]) -> dict[str, tuple[FacetCount, ...]]:
    """Facet counts over ``rowids``: each facet's ``_FACET_LIMIT`` commonest values."""
    facets: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
    for name, value, label, count in connection.execute(
        _FACETS_SQL, {"rowids": json.dumps(rowids)}
    ):
        facets[name].append(FacetCount(str(value), count, label or None))
    return {name: tuple(counts) for name, counts in facets.items()}


def _scaled(
    facets: dict[str, tuple[FacetCount, ...]], factor: float
) -> dict[str, tuple[FacetCount, ...]]:
    """Window counts as estimates of the whole: each times ``factor``, at least 1."""
    return {
        name: tuple(FacetCount(f.value, max(1, round(f.count * factor)), f.label) for f in counts)
        for name, counts in facets.items()
    }
