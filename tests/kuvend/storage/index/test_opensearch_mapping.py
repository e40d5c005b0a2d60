"""The OpenSearch backend without a server: its analyzers fold like ``fold_for_search``, its
documents fit the strict mapping, and its query bodies say what the parsed query says.

The analyzer check interprets the index body's own definition of ``kuvend_folded`` (its char
filters in their order, then its token filters) with a small model of each OpenSearch
component, and compares the tokens with those the SQLite backend indexes, segment by segment.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kuvend.errors import QueryError
from kuvend.minutes import Minutes
from kuvend.search import ALL_ASSEMBLIES, SearchQuery
from kuvend.storage.index.opensearch import documents, index_body, search_body
from kuvend.text import fold_for_search
from tests.search_api.corpus import build_corpus

_WORD = re.compile(r"\w+")


def _mapping_filter(rules: list[str]) -> Callable[[str], str]:
    table = dict(rule.split(" => ") for rule in rules)
    return lambda text: "".join(table.get(char, char) for char in text)


def _asciifolding(token: str) -> str:
    # For the Latin letters in these corpora (ë ç č ć š ž é…), asciifolding and NFKD-stripping
    # agree; it would also fold ß/æ/ø, which do not occur here.
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


_TOKEN_FILTERS: dict[str, Callable[[str], str]] = {
    "lowercase": str.lower,
    "asciifolding": _asciifolding,
}


def analyze(body: dict[str, Any], analyzer_name: str, text: str) -> list[str]:
    """Tokens of ``text`` through the index body's analyzer, modelled component by component."""
    analysis = body["settings"]["analysis"]
    analyzer = analysis["analyzer"][analyzer_name]
    for name in analyzer.get("char_filter", []):
        text = _mapping_filter(analysis["char_filter"][name]["mappings"])(text)
    assert analyzer["tokenizer"] == "standard"
    tokens = _WORD.findall(text)
    for name in analyzer["filter"]:
        tokens = [_TOKEN_FILTERS[name](token) for token in tokens]
    return tokens


@pytest.fixture(scope="module")
def corpus() -> list[Minutes]:
    return build_corpus()


def test_folded_analyzer_matches_the_sqlite_folding_on_every_segment(corpus: list[Minutes]) -> None:
    body = index_body()
    segments = [segment for minutes in corpus for segment in minutes.segments]
    assert any(any("\u0400" <= c <= "\u04ff" for c in s.text) for s in segments)  # Cyrillic in
    for segment in segments:
        assert analyze(body, "kuvend_folded", segment.text) == _WORD.findall(
            fold_for_search(segment.text)
        ), segment.text


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("skupstina", "Скупштина"),
        ("djakovica", "Ђаковица"),
        ("keshilli", "Këshilli"),
        ("ceshtje", "çështje"),
        ("medjunarodnih", "međunarodnih"),
        ("dzamija", "џамија"),
    ],
)
def test_query_and_text_meet_after_folding(typed: str, written: str) -> None:
    body = index_body()
    assert analyze(body, "kuvend_folded", typed) == analyze(body, "kuvend_folded", written)
    assert analyze(body, "kuvend_exact", written) != analyze(body, "kuvend_exact", typed)


def test_documents_fit_the_strict_mapping(corpus: list[Minutes]) -> None:
    properties = index_body()["mappings"]["properties"]
    for minutes in corpus:
        for document in documents(minutes):
            assert set(document) <= set(properties)
            assert document["session_date"] == minutes.session.date
    first = next(documents(corpus[0]))
    assert first["agenda_title"] == "Buxheti komunal për vitin 2024"
    assert json.dumps(index_body())  # the body is plain JSON


def _bool(body: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = body["query"]["bool"]
    return query


def test_words_phrases_prefixes_and_exclusions_become_their_queries() -> None:
    body = search_body(SearchQuery('keshilli "narodne skupštine" budz* -kontest', facets=False))
    must = _bool(body)["must"]
    assert must[0] == {"match": {"text": {"query": "keshilli", "operator": "and"}}}
    assert must[1] == {"match_phrase": {"text": {"query": "narodne skupštine"}}}
    assert must[2] == {"match_phrase_prefix": {"text": {"query": "budz"}}}
    assert _bool(body)["must_not"] == [{"match": {"text": {"query": "kontest", "operator": "and"}}}]
    exact = _bool(body)["should"][0]["bool"]
    assert exact["_name"] == "exact" and len(exact["must"]) == 3
    assert "aggs" not in body


def test_user_text_never_reaches_a_query_string() -> None:
    body = json.dumps(search_body(SearchQuery("NEAR OR AND text:x")))
    assert "query_string" not in body and "simple_query_string" not in body


@pytest.mark.parametrize("text", ['"open', "NEAR(a b)", "*", "-only"])
def test_malformed_queries_are_refused_before_any_request(text: str) -> None:
    with pytest.raises(QueryError):
        search_body(SearchQuery(text))


def test_filters_and_visibility() -> None:
    public = search_body(
        SearchQuery(
            "je",
            assembly="zvecan",
            party="SNSD",
            language="sr",
            date_from=date(2022, 1, 1),
            date_to=date(2022, 12, 31),
            agenda="budzet",
        )
    )
    filters = _bool(public)["filter"]
    assert filters[0] == {"term": {"status": "published"}}
    assert {"term": {"assembly": "zvecan"}} in filters
    assert {"term": {"party": "snsd"}} in filters  # the field's normalizer lower-cases
    assert {"range": {"session_date": {"gte": "2022-01-01", "lte": "2022-12-31"}}} in filters
    staff = search_body(SearchQuery("je", draft_assemblies=frozenset({"prishtine"})), ["s1"])
    drafts, shadowed = _bool(staff)["filter"][0]["bool"]["should"]
    assert {"terms": {"assembly": ["prishtine"]}} in drafts["bool"]["filter"]
    assert shadowed["bool"]["must_not"] == [{"terms": {"session_id": ["s1"]}}]
    operator = search_body(SearchQuery("je", draft_assemblies=frozenset({ALL_ASSEMBLIES})))
    operator_drafts = _bool(operator)["filter"][0]["bool"]["should"][0]
    assert operator_drafts == {"bool": {"filter": [{"term": {"status": "draft"}}]}}
