"""The SQL a search runs on the embedded index (``sqlite_fts``): FTS5 match expressions, the
filters and draft visibility, counts and facets in one pass, and a result row as a hit.

Every user word becomes a quoted FTS5 string and every value a bound parameter, so no part of a
query is ever spliced into SQL as written.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

from kuvend.search import (
    ALL_ASSEMBLIES,
    FACETS,
    FacetCount,
    ParsedQuery,
    SearchHit,
    SearchQuery,
)
from kuvend.storage.index.snippets import highlight
from kuvend.text import fold_for_search

_FACET_LIMIT: Final = 20


def _fts_string(words: Sequence[str]) -> str:
    # Every user word is a quoted FTS5 string, so NEAR, AND, OR, NOT or ^ are plain words.
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def fts_expressions(query: ParsedQuery) -> tuple[str, str, str | None]:
    """The FTS5 MATCH expressions of a parsed query: (on folded text with the words' stems,
    on exact text, on folded text as typed — None when no word has a stem).

    A stemmed word matches ``("budzetu" OR "budzet" *)``; the second expression ranks the
    exact forms first, the third the folded forms as typed next, inflected forms last.
    """
    matched: list[str] = []
    plain: list[str] = []
    excluded: list[str] = []
    exact: list[str] = []
    for clause in query.clauses:
        star = " *" if clause.prefix else ""
        folded = _fts_string(clause.folded) + star
        if clause.negated:
            excluded.append(folded)
            continue
        stem = clause.stem
        matched.append(f"({folded} OR {_fts_string((stem,))} *)" if stem else folded)
        plain.append(folded)
        exact.append(_fts_string(clause.words) + star)
    expression = "(" + " AND ".join(matched) + ")"
    expression += "".join(f" NOT {term}" for term in excluded)
    typed = "(" + " AND ".join(plain) + ")" + "".join(f" NOT {term}" for term in excluded)
    stemmed = any(clause.stem for clause in query.positive)
    return expression, " AND ".join(exact), typed if stemmed else None


#: Whether a hit has the words as typed (folded) rather than only an inflected form.
TYPED_RANK: Final = {
    True: "s.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :typed) AS typed ",
    False: "1 AS typed ",
}


def _visibility(query: SearchQuery) -> tuple[str, dict[str, Any]]:
    drafts = query.draft_assemblies
    if not drafts:
        return "s.status = 'published'", {}
    parameters: dict[str, Any] = {}
    if ALL_ASSEMBLIES in drafts:
        scope = segment_scope = "1"
    else:
        parameters = {f"draft_{i}": name for i, name in enumerate(sorted(drafts))}
        names = ", ".join(":" + key for key in parameters)
        scope, segment_scope = f"assembly IN ({names})", f"s.assembly IN ({names})"
    # A visible draft shadows the same session's published rows (it is the newer text).
    clause = (
        f"((s.status = 'draft' AND {segment_scope}) OR "
        "(s.status = 'published' AND s.session_id NOT IN (SELECT session_id FROM "
        f"search_sessions WHERE status = 'draft' AND {scope})))"
    )
    return clause, parameters


def match_filters(query: SearchQuery) -> tuple[str, dict[str, Any]]:
    clause, parameters = _visibility(query)
    clauses = [clause]
    equal = {
        "assembly": query.assembly,
        "session_id": query.session_id,
        "member_id": query.member_id,
        "language": query.language,
    }
    for column, value in equal.items():
        if value is not None:
            clauses.append(f"s.{column} = :{column}")
            parameters[column] = value
    if query.party is not None:
        clauses.append("lower(s.party) = lower(:party)")
        parameters["party"] = query.party
    if query.date_from is not None:
        clauses.append("s.session_date >= :date_from")
        parameters["date_from"] = query.date_from.isoformat()
    if query.date_to is not None:
        clauses.append("substr(s.session_date, 1, 10) <= :date_to")
        parameters["date_to"] = query.date_to.isoformat()
    if query.agenda:
        escaped = fold_for_search(query.agenda).replace("\\", "\\\\")
        escaped = escaped.replace("%", "\\%").replace("_", "\\_")
        clauses.append("s.agenda_folded LIKE :agenda ESCAPE '\\'")
        parameters["agenda"] = f"%{escaped}%"
    return " AND ".join(clauses), parameters


def count_and_facets(
    connection: sqlite3.Connection, base: str, parameters: dict[str, Any], *, facets: bool
) -> tuple[int, dict[str, tuple[FacetCount, ...]]]:
    """The number of matches and, if asked, the facet counts, in one pass over the matches.

    One ``GROUP BY assembly, member, party, year, language`` (a few thousand groups at most)
    is summed here into the five facets: each extra pass would run the full-text match again.
    """
    if not facets:
        return int(connection.execute(f"SELECT count(*) {base}", parameters).fetchone()[0]), {}
    groups = connection.execute(
        "SELECT s.assembly, s.member_id, max(s.speaker_name), s.party, s.year, s.language, "
        f"count(*) {base} GROUP BY s.assembly, s.member_id, s.party, s.year, s.language",
        parameters,
    ).fetchall()
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    labels: dict[str, str] = {}
    for assembly, member_id, speaker_name, party, year, language, count in groups:
        values = {"assembly": assembly, "member": member_id, "party": party, "language": language}
        values["year"] = str(year) if year is not None else None
        for name, value in values.items():
            if value is not None:
                counters[name][value] += count
        if member_id is not None and speaker_name:
            labels[member_id] = speaker_name
    total = sum(counters["assembly"].values())
    return total, {
        name: _top(counter, labels if name == "member" else {})
        for name, counter in counters.items()
    }


def _top(counts: Counter[str], labels: dict[str, str]) -> tuple[FacetCount, ...]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_FACET_LIMIT]
    return tuple(FacetCount(value, count, labels.get(value)) for value, count in ranked)


def to_hit(row: sqlite3.Row, parsed: ParsedQuery) -> SearchHit:
    return SearchHit(
        segment_id=row["segment_id"],
        session_id=row["session_id"],
        assembly=row["assembly"],
        session_title=row["session_title"],
        session_date=row["session_date"],
        status=row["status"],
        speaker=row["speaker"],
        speaker_name=row["speaker_name"],
        member_id=row["member_id"],
        party=row["party"],
        language=row["language"],
        start_s=float(row["start_s"]),
        end_s=float(row["end_s"]),
        text=row["text"],
        snippet=highlight(row["text"], parsed),
        agenda=row["agenda_title"],
        exact=bool(row["exact"]),
        score=float(row["score"]),
    )
