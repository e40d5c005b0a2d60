"""FTS5 MATCH expressions for the embedded index: the user's words, and the filters as tags.

Every indexed row has a ``tags`` column beside its folded text: one token per filterable value
(``row_tags``). A filter is then a term of the same MATCH expression (``tags : a6b6f…``) rather
than a condition on the joined row, so that counting the matches of a word with its filters is
a merge of FTS5 doclists and costs microseconds per thousand matches, where reading each
matching row cost about 2 µs per match (bench/search.py, 1 M segments).

Tokens are a letter naming the field and the value's UTF-8 bytes in hexadecimal (any slug, id
or party name becomes one ``unicode61`` token that no folded word can equal, and the user's
words are confined to the ``folded`` column anyway). Dates are three tokens, ``y2021``,
``n202103`` and ``d20210315``, so a range is the few years, months and days that cover it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Final

from kuvend.query_language import ParsedQuery

#: Tag letters: status, assembly, session, member, party (case-folded), language.
_FIELDS: Final = {
    "status": "s",
    "assembly": "a",
    "session": "i",
    "member": "m",
    "party": "p",
    "language": "l",
}


def tag(field: str, value: str) -> str:
    """The token of ``field`` = ``value`` (``party`` compares case-insensitively)."""
    if field == "party":
        value = value.casefold()
    return _FIELDS[field] + value.encode().hex()


def row_tags(
    *,
    status: str,
    assembly: str,
    session_id: str,
    member_id: str | None,
    party: str | None,
    language: str,
    session_date: str,
) -> str:
    """The ``tags`` text of one indexed segment (space-separated tokens)."""
    tokens = [
        tag("status", status),
        tag("assembly", assembly),
        tag("session", session_id),
        tag("language", language),
    ]
    if member_id:
        tokens.append(tag("member", member_id))
    if party:
        tokens.append(tag("party", party))
    try:
        day = date.fromisoformat(session_date[:10])
    except ValueError:
        pass  # no date tokens: a date range never matches it, as before
    else:
        tokens += [f"y{day:%Y}", f"n{day:%Y%m}", f"d{day:%Y%m%d}"]
    return " ".join(tokens)


def date_tokens(first: date, last: date) -> list[str]:
    """The fewest year, month and day tokens covering ``first``…``last`` (inclusive); empty
    when ``first`` is after ``last``. A range of a few years is a handful of tokens."""
    tokens: list[str] = []
    day = first
    while day <= last:
        year_end = date(day.year, 12, 31)
        month_end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        if day.month == 1 and day.day == 1 and year_end <= last:
            tokens.append(f"y{day:%Y}")
            day = year_end + timedelta(days=1)
        elif day.day == 1 and month_end <= last:
            tokens.append(f"n{day:%Y%m}")
            day = month_end + timedelta(days=1)
        else:
            tokens.append(f"d{day:%Y%m%d}")
            day += timedelta(days=1)
    return tokens


def any_of(tokens: Iterable[str]) -> str:
    """``tags : (t1 OR t2 …)``; the tokens are ours (letters and digits), never user text."""
    return "tags : (" + " OR ".join(tokens) + ")"


def fts_string(words: Sequence[str]) -> str:
    """User words as one quoted FTS5 string, so NEAR, AND, OR, NOT or ^ are plain words."""
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def fts_expressions(query: ParsedQuery) -> tuple[str, str, str | None]:
    """The FTS5 MATCH expressions of a parsed query, without filters: (on the folded column
    with the words' stems, on exact text, on the folded column as typed — None when no word
    has a stem).

    A stemmed word matches ``("budzetu" OR "budzet" *)``; the second expression ranks the
    exact forms first, the third the folded forms as typed next, inflected forms last.
    """
    matched: list[str] = []
    plain: list[str] = []
    excluded: list[str] = []
    exact: list[str] = []
    for clause in query.clauses:
        star = " *" if clause.prefix else ""
        folded = fts_string(clause.folded) + star
        if clause.negated:
            excluded.append(folded)
            continue
        stem = clause.stem
        matched.append(f"({folded} OR {fts_string((stem,))} *)" if stem else folded)
        plain.append(folded)
        exact.append(fts_string(clause.words) + star)
    exclusions = "".join(f" NOT {term}" for term in excluded)
    expression = "folded : ((" + " AND ".join(matched) + ")" + exclusions + ")"
    typed = "folded : ((" + " AND ".join(plain) + ")" + exclusions + ")"
    stemmed = any(clause.stem for clause in query.positive)
    return expression, " AND ".join(exact), typed if stemmed else None
