"""The interface catalogs: same keys in each language, Cyrillic on request."""

from __future__ import annotations

import pytest

from publish.i18n import UI_LANGUAGES, Translator, catalog


def test_catalogs_have_the_same_keys() -> None:
    keys = {language: set(catalog(language)) for language in UI_LANGUAGES}
    assert keys["sq"] == keys["sr"] == keys["en"]


def test_serbian_cyrillic_keeps_placeholders() -> None:
    t = Translator("sr", "cyrillic")
    assert t("play_from", time="00:01:02") == "Пусти од 00:01:02"
    assert t("download_json").endswith("(JSON)")


def test_durations_read_naturally() -> None:
    t = Translator("en")
    assert t.duration(5.4) == "5 s"
    assert t.duration(125) == "2 min 5 s"
    assert t.duration(3725) == "1 h 2 min 5 s"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown interface language"):
        catalog("de")


@pytest.mark.parametrize(
    ("language", "count", "says"),
    [
        ("sq", 1, "1 rezultat"), ("sq", 2, "2 rezultate"),
        ("sr", 1, "1 rezultat"), ("sr", 21, "21 rezultat"), ("sr", 11, "11 rezultata"),
        ("sr", 3, "3 rezultata"), ("en", 1, "1 result"), ("en", 0, "0 results"),
    ],
)  # fmt: skip
def test_result_counts_agree_with_their_number(language: str, count: int, says: str) -> None:
    # The search page said "1 rezultate".
    assert Translator(language).count("search_results", count) == says  # type: ignore[arg-type]


def test_the_search_page_heading_says_one_result_in_the_singular() -> None:
    from lxml import html

    from kuvend.search import SearchResults
    from publish.search_page import render_search_page

    results = SearchResults(hits=(), total=1)
    page = render_search_page({"q": "buxheti"}, results, page_language="sq", page=1, page_size=20)
    heading = html.fromstring(page).xpath("//h2[@id='results-heading']")[0].text_content()
    assert heading == "1 rezultat"
