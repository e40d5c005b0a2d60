"""Inflection-aware matching on the embedded index: a word finds its inflected forms, and the
form as typed still ranks first (issue 19). Real Serbian, Bosnian and Albanian text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kuvend.query_language import parse_query
from kuvend.search import SearchQuery
from kuvend.stemming import search_stem
from kuvend.storage.index import SqliteFtsIndex
from kuvend.text import fold_for_search
from tests.search_api.corpus import build_corpus


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteFtsIndex]:
    index = SqliteFtsIndex(tmp_path_factory.mktemp("stemming") / "search.db")
    for minutes in build_corpus():
        index.index_minutes(minutes)
    yield index
    index.close()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold_for_search(text)))


def test_budzet_finds_budzetu_and_the_typed_form_ranks_first(index: SqliteFtsIndex) -> None:
    results = index.search(SearchQuery("budžet", limit=50))
    found = set().union(*(_words(hit.text) for hit in results.hits))
    assert {"budzet", "budzetu", "budzeta"} <= found  # written in Cyrillic: буџету, буџета
    assert "budzet" in _words(results.hits[0].text)
    # And from the other side: the inflected form typed finds the base form.
    assert "budzet" in set().union(
        *(_words(hit.text) for hit in index.search(SearchQuery("budžetu", limit=50)).hits)
    )


def test_albanian_endings_are_matched_and_the_typed_form_ranks_first(
    index: SqliteFtsIndex,
) -> None:
    results = index.search(SearchQuery("keshillit", limit=100))
    first = _words(results.hits[0].text)
    assert "keshillit" in first
    found = set().union(*(_words(hit.text) for hit in results.hits))
    assert {"keshillit", "keshilli"} <= found


def test_phrases_prefixes_exclusions_and_short_words_match_only_as_typed() -> None:
    assert [c.stem for c in parse_query('"budžet opštine" budžet* -budžetu rad').clauses] == [
        None,
        None,
        None,
        None,
    ]
    assert search_stem("budžetu") == "budzet"
    assert search_stem("скупштини") == "skupstin"
