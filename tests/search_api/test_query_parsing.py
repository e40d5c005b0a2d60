"""The query language: what a citizen types becomes a small tree, or a one-line QueryError."""

from __future__ import annotations

import pytest

from kuvend.errors import QueryError
from kuvend.query_language import Clause, parse_query


def test_words_phrases_exclusions_and_prefixes() -> None:
    parsed = parse_query('Këshilli "seanca e radhës" -buxhet keshill* -"pika e dytë"')
    assert parsed.clauses == (
        Clause(words=("këshilli",)),
        Clause(words=("seanca", "e", "radhës"), phrase=True),
        Clause(words=("buxhet",), negated=True),
        Clause(words=("keshill",), prefix=True),
        Clause(words=("pika", "e", "dytë"), phrase=True, negated=True),
    )
    assert [clause.words for clause in parsed.positive] == [
        ("këshilli",),
        ("seanca", "e", "radhës"),
        ("keshill",),
    ]


def test_folded_forms_are_latin_without_diacritics() -> None:
    (clause,) = parse_query("Ђаковица").clauses
    assert clause.words == ("ђаковица",) and clause.folded == ("djakovica",)


def test_punctuation_separates_words_and_operators_are_plain_words() -> None:
    assert parse_query("13:58").clauses == (Clause(words=("13", "58"), phrase=True),)
    assert parse_query("NEAR OR - ,").clauses == (Clause(words=("near",)), Clause(words=("or",)))


def test_decomposed_accents_are_one_word() -> None:
    assert parse_query("ke\u0308shilli").clauses == (Clause(words=("këshilli",)),)


@pytest.mark.parametrize(
    "pasted",
    [
        "buxh\u00adeti",  # a soft hyphen from a PDF agenda
        "bux\u200bheti",  # a zero-width space
        "buxh\u200d\u200ceti\u2060",  # joiners
        "\ufeffbuxheti",  # a byte-order mark at the start
        "buxheti\u0332",  # a combining mark with no composed form
        "text:buxheti",  # the only field there is
    ],
)
def test_pasted_invisible_characters_and_the_text_field_leave_the_word(pasted: str) -> None:
    assert parse_query(pasted).clauses == (Clause(words=("buxheti",)),)


def test_other_fields_are_refused_with_the_filter_to_use() -> None:
    with pytest.raises(QueryError, match="filters"):
        parse_query("speaker:Ana buxheti")
    assert parse_query("pika:2").clauses == (Clause(words=("pika", "2"), phrase=True),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"seanca', "unbalanced quote"),
        ("NEAR(a b)", "unsupported character"),
        ("title^2", "unsupported character"),
        ("*", "'*' may only end a word"),
        ("ke*shilli", "'*' may only end a word"),
        ('"keshill*"', "not allowed inside a quoted phrase"),
        ("k*", "at least two letters"),
        ("-buxhet", "only excludes"),
        ("   ", "no words"),
        ('""', "no words"),
        ("x" * 501, "longer than 500"),
        ("a\x00b", r"control character U\+0000 at position 1"),
        ("\x01\x1b[31m", r"control character U\+0001 at position 0"),
        (" ".join(["fjala"] * 33), "more than 32"),
    ],
)
def test_malformed_queries_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)
