"""The query language of Kuvend's search: what a citizen types, parsed into a small tree.

A citizen types words, ``"quoted phrases"``, ``-excluded`` words and ``prefix*`` words, in
Albanian or Serbian (either script), with or without diacritics. ``parse_query`` turns that
text into a small tree (``ParsedQuery`` of ``Clause``) or raises ``QueryError`` with a message
a user can act on; every backend (``kuvend/storage/index/``) translates the same tree, so no
user text ever reaches a backend's own query syntax (FTS5 ``NEAR(``, OpenSearch's query string)
unescaped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from kuvend.errors import QueryError
from kuvend.stemming import search_stem
from kuvend.text import fold_for_search
from kuvend.validation import code_point, first_control_character

#: Characters of other query languages (grouping, boosts, fuzziness, operators) that ours does
#: not have: refused with a message rather than silently ignored. Other punctuation (``:`` in
#: ``13:58``, ``.``, ``,``) separates words, as it does in the indexed text.
_RESERVED = frozenset("()[]{}^~|&\\")
_MAX_QUERY_CHARS: Final = 500
_WHITESPACE: Final = frozenset("\t\n\r")
_MAX_CLAUSES: Final = 32
_WORD = re.compile(r"\w+")
#: ``text:word`` names the only field there is (what was said): read as ``word``.
_TEXT_FIELDS = frozenset({"text", "content", "body"})
#: Other ``field:value`` names people bring from other search engines: refused with the filter
#: that does the job instead of silently searching for the field's name as a word.
_OTHER_FIELDS = frozenset(
    {"speaker", "member", "party", "assembly", "language", "lang", "date", "from", "to",
     "title", "session", "agenda", "author", "year"}
)  # fmt: skip
_FIELD = re.compile(r"^(?P<neg>-?)(?P<field>[A-Za-z_]+):")
# With quotes balanced, every quote is consumed by a phrase: -"a phrase", "a phrase", or a word.
_TOKEN = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)')


@dataclass(frozen=True, slots=True)
class Clause:
    """One search condition: a word or a phrase (its words in order), maybe negated or a prefix.

    ``words`` keep the user's spelling (lower-cased); backends fold them for matching and use
    them as they are for exact-form ranking.
    """

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    negated: bool = False

    @property
    def folded(self) -> tuple[str, ...]:
        """The words as the index matches them (see ``kuvend.text.fold_for_search``)."""
        return tuple(fold_for_search(word) for word in self.words)

    @property
    def stem(self) -> str | None:
        """A one-word clause's stem, also prefix-matched (``budžet`` finds ``budžetu``).

        None for phrases, prefixes, exclusions and short words, which match only as typed
        (an exclusion that also dropped inflected forms would hide more than was asked).
        """
        if self.phrase or self.prefix or self.negated or len(self.words) != 1:
            return None
        return search_stem(self.words[0])


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """All clauses must hold (AND); at least one of them is not negated."""

    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        """Clauses that must match (the ones a snippet highlights)."""
        return tuple(clause for clause in self.clauses if not clause.negated)


def parse_query(text: str) -> ParsedQuery:
    """Parse a user's query: ``word``, ``"a phrase"``, ``-word``, ``-"a phrase"``, ``word*``.

    Punctuation inside words separates them (``d.o.o`` is the phrase ``d o o``). Raises
    ``QueryError`` for a control character, an empty query, an unbalanced quote, a stray
    ``*``, a character of some engine's syntax such as ``(`` or ``:``, only excluded words, or
    an over-long query.
    """
    check_query_text(text)
    text = normalise_query(text)
    if len(text) > _MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is longer than {_MAX_QUERY_CHARS} characters",
            key="too_long",
            limit=_MAX_QUERY_CHARS,
        )
    if text.count('"') % 2:
        raise QueryError(
            'unbalanced quote: close the phrase with a second "', key="unbalanced_quote"
        )
    clauses: list[Clause] = []
    for match in _TOKEN.finditer(text):
        if match["word"] is not None:
            clause = _word_clause(match["word"])
        else:
            clause = _phrase_clause(match["phrase"], negated=bool(match["neg"]))
        if clause is not None:
            clauses.append(clause)
    if not clauses:
        raise QueryError("the query has no words to search for", key="no_words")
    if len(clauses) > _MAX_CLAUSES:
        raise QueryError(
            f"the query has more than {_MAX_CLAUSES} words or phrases",
            key="too_many",
            limit=_MAX_CLAUSES,
        )
    if all(clause.negated for clause in clauses):
        raise QueryError(
            "the query only excludes words: add at least one word to search for",
            key="only_excluded",
        )
    return ParsedQuery(tuple(clauses))


def check_query_text(text: str) -> str:
    """``text`` (a query or one of its filters) if it holds no control character.

    Tab, newline and carriage return separate words as spaces do; any other control
    character (``U+0000``, the ``U+001B`` of a terminal's colour codes) raises ``QueryError``
    naming its code point and position (``key="control_character"``). Such a character can
    never match the minutes, which hold none, and the feed's XML cannot even carry it.
    """
    found = first_control_character(text, allowed=_WHITESPACE)
    if found is not None:
        position, char = found
        raise QueryError(
            f"control character {code_point(char)} at position {position} cannot be searched: "
            "remove it",
            key="control_character",
            code=code_point(char),
        )
    return text


def normalise_query(text: str) -> str:
    """A query as people paste it, cleaned: NFC, without invisible characters or stray accents.

    Format characters (Unicode category Cf: soft hyphen U+00AD, zero-width space U+200B,
    joiners U+200C/U+200D/U+2060, byte-order mark U+FEFF) are removed, so ``buxh\u00adeti``
    copied from a PDF is ``buxheti``; combining marks left over after NFC composition (an
    accent on a letter that has no composed form) are removed too, since matching ignores
    accents anyway.
    """
    composed = unicodedata.normalize("NFC", text)
    return "".join(
        char
        for char in composed
        if unicodedata.category(char) != "Cf" and not unicodedata.combining(char)
    )


def _without_field(token: str) -> str:
    """``text:word`` → ``word``; another ``field:`` raises ``QueryError`` naming the filter."""
    match = _FIELD.match(token)
    if match is None:
        return token
    field_name = match["field"].lower()
    if field_name in _TEXT_FIELDS:
        return match["neg"] + token[match.end() :]
    if field_name in _OTHER_FIELDS:
        raise QueryError(
            f"'{match['field']}:' is not part of the query: search words in what was said, and "
            "narrow with the filters (assembly, member, party, language, from, to)",
            key="field",
            field=match["field"],
        )
    return token


def _check_reserved(text: str) -> None:
    reserved = sorted({char for char in text if char in _RESERVED})
    if reserved:
        shown = " ".join(reserved)
        raise QueryError(
            f"unsupported character(s) {shown}: search for words, "
            '"quoted phrases", -excluded words or prefix* words',
            key="reserved",
            characters=shown,
        )


def _word_clause(token: str) -> Clause | None:
    token = _without_field(token)
    _check_reserved(token)
    negated = token.startswith("-")
    body = token[1:] if negated else token
    prefix = body.endswith("*")
    stem = body[:-1] if prefix else body
    if "*" in stem or (prefix and not stem):
        raise QueryError(
            "'*' may only end a word, as in keshill* (a prefix search)", key="star_in_word"
        )
    words = tuple(word.lower() for word in _WORD.findall(stem))
    if not words:
        if prefix:
            raise QueryError(
                f"{token!r} has no letters or digits to search for",
                key="prefix_without_letters",
                token=token,
            )
        return None  # bare punctuation (a dash, a comma): a separator, nothing to search for
    if prefix and len(fold_for_search(words[-1])) < 2:
        raise QueryError(
            "a prefix search needs at least two letters before '*'", key="prefix_too_short"
        )
    return Clause(words=words, phrase=len(words) > 1, prefix=prefix, negated=negated)


def _phrase_clause(part: str, *, negated: bool) -> Clause | None:
    _check_reserved(part)
    if "*" in part:
        raise QueryError("'*' is not allowed inside a quoted phrase", key="star_in_phrase")
    words = tuple(word.lower() for word in _WORD.findall(part))
    if not words:
        return None
    return Clause(words=words, phrase=True, negated=negated)
