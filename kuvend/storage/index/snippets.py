"""Highlighted snippets on the original text, and a stored segment as a hit: shared by every
backend.

Matching happens on folded text, but people read the original: we find the words of the
original whose folded form matches a query word, escape everything, and wrap those words in
``<mark>``. Long segments are cut to a window around the first match.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any, Protocol

from kuvend.query_language import ParsedQuery
from kuvend.search import SearchHit
from kuvend.text import fold_for_search

_WORD = re.compile(r"\w+")
_ELLIPSIS = "…"


def _matcher(query: ParsedQuery) -> tuple[frozenset[str], tuple[str, ...]]:
    whole: set[str] = set()
    prefixes: list[str] = []
    for clause in query.positive:
        folded = clause.folded
        if clause.stem:
            prefixes.append(clause.stem)
        for position, word in enumerate(folded):
            if clause.prefix and position == len(folded) - 1:
                prefixes.append(word)
            else:
                whole.add(word)
    return frozenset(whole), tuple(prefixes)


def highlight(
    text: str,
    query: ParsedQuery,
    *,
    max_chars: int = 240,
    marks: tuple[str, str] = ("<mark>", "</mark>"),
    escape: Callable[[str], str] = html.escape,
) -> str:
    """``text`` escaped, the query's words between ``marks``, cut to about ``max_chars``.

    The default is HTML; the command line passes rich's markup and escaping instead.
    """
    whole, prefixes = _matcher(query)
    spans = [
        (match.start(), match.end())
        for match in _WORD.finditer(text)
        if (folded := fold_for_search(match.group())) in whole or folded.startswith(prefixes)
    ]
    start, end = _window(text, spans, max_chars)
    pieces: list[str] = [_ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(marks[0] + escape(text[span_start:span_end]) + marks[1])
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append(_ELLIPSIS)
    return "".join(pieces)


def _window(text: str, spans: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    if len(text) <= max_chars:
        return 0, len(text)
    first = spans[0][0] if spans else 0
    # Start a little before the first match, at a word boundary, so the match has context.
    start = max(0, first - max_chars // 3)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end


class StoredFields(Protocol):
    """An indexed segment's stored fields by name (a ``sqlite3.Row``, an OpenSearch source)."""

    def __getitem__(self, name: str, /) -> Any: ...


def stored_hit(
    fields: StoredFields, parsed: ParsedQuery, *, exact: bool, score: float
) -> SearchHit:
    """A hit from an indexed segment's stored fields, its snippet highlighted for ``parsed``."""
    return SearchHit(
        segment_id=fields["segment_id"],
        session_id=fields["session_id"],
        assembly=fields["assembly"],
        session_title=fields["session_title"],
        session_date=fields["session_date"],
        status=fields["status"],
        speaker=fields["speaker"],
        speaker_name=fields["speaker_name"],
        member_id=fields["member_id"],
        party=fields["party"],
        language=fields["language"],
        start_s=float(fields["start_s"]),
        end_s=float(fields["end_s"]),
        text=fields["text"],
        snippet=highlight(fields["text"], parsed),
        agenda=fields["agenda_title"],
        exact=exact,
        score=score,
    )
