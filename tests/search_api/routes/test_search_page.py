"""The public search page ``/search`` and its feed, over the seeded corpus (HTTP level; the
browser test is tests/publish/test_search_browser.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree, html
from sqlalchemy import func, select

from kuvend.storage.db import session_scope
from kuvend.storage.tables import PublishedVersionRow
from tests.search_api.conftest import Api


def _page(api: Api, **params: str) -> html.HtmlElement:
    response = api.client.get("/search", params=params)
    assert response.status_code == 200, response.text
    assert "form-action 'self'" in response.headers["content-security-policy"]
    return html.fromstring(response.text)


def _hits(page: html.HtmlElement) -> list[html.HtmlElement]:
    return list(page.xpath("//li[@class='hit']"))


def test_a_word_without_accents_finds_published_segments_with_moment_links(
    sqlite_api: Api,
) -> None:
    page = _page(sqlite_api, q="keshilli")
    hits = _hits(page)
    assert hits
    first = hits[0]
    assert "Këshilli" in first.xpath(".//mark")[0].text_content()
    link = first.xpath(".//h3/a")[0].get("href")
    assert link.startswith("/prishtine/pr-2023/#t=")
    facet_titles = [h.text_content() for h in page.xpath("//aside//h3")]
    assert facet_titles == ["Kuvendi", "Anëtari", "Partia", "Viti", "Gjuha"]


def test_drafts_never_appear(sqlite_api: Api) -> None:
    # "veteraneve" is said only in the indexed draft of 2024: the secretariat's search finds
    # it, the public page does not, nor does any of its offers.
    draft_only = sqlite_api.client.get(
        "/api/v1/search",
        params={"q": "veteraneve", "include_drafts": "true"},
        headers=sqlite_api.headers("secretariat_a"),
    )
    assert draft_only.json()["count"] >= 1
    page = _page(sqlite_api, q="veteraneve", lang="en")
    assert not _hits(page)
    assert "No results" in page.get_element_by_id("results-heading").text_content()
    assert not page.xpath("//p[@class='suggestions']/a")


def test_filters_narrow_and_each_facet_is_a_link(sqlite_api: Api) -> None:
    everything = _page(sqlite_api, q="je")
    total = everything.get_element_by_id("results-heading").text_content()
    narrowed = _page(sqlite_api, q="je", assembly="zvecan", lang="en")
    assert narrowed.get_element_by_id("results-heading").text_content() != total
    assert {h.xpath(".//h3/a")[0].get("href").split("/")[1] for h in _hits(narrowed)} == {"zvecan"}
    removal = narrowed.xpath("//ul[@class='active-filters']//a")[0]
    assert "Assembly" in removal.text_content() and "assembly=" not in removal.get("href")


def test_nothing_found_offers_the_stem_and_the_query_without_filters(sqlite_api: Api) -> None:
    page = _page(sqlite_api, q="keshilli", assembly="zvecan", lang="en")
    assert "No results" in page.get_element_by_id("results-heading").text_content()
    offers = [a.text_content() for a in page.xpath("//p[@class='suggestions']/a")]
    assert any("without the filters" in offer for offer in offers)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "A quotation mark is not closed"),
        ("sq", "Thonjëzat nuk janë mbyllur"),
        ("sr-Cyrl", "Наводник није затворен"),
    ],
)
def test_a_malformed_query_says_what_is_wrong(sqlite_api: Api, lang: str, expected: str) -> None:
    response = sqlite_api.client.get("/search", params={"q": '"unclosed', "lang": lang})
    assert response.status_code == 400
    alert = html.fromstring(response.text).xpath("//*[@role='alert']")[0].text
    assert alert.startswith(expected)


def test_every_search_is_an_atom_feed(sqlite_api: Api) -> None:
    response = sqlite_api.client.get("/search.atom", params={"q": "skupstina"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    links = feed.xpath("//a:entry/a:link/@href", namespaces=ns)
    assert links and all("/#t=" in link for link in links)
    assert not any("pr-2024-draft" in link for link in links)


@pytest.mark.parametrize(
    ("query", "named"),
    [("a\x00b", "U+0000"), ("x\x01y", "U+0001"), ("\x01\x02\x1b[31m", "U+0001")],
)
def test_a_control_character_is_refused_by_name_everywhere_search_is_offered(
    sqlite_api: Api, query: str, named: str
) -> None:
    # The Atom feed could not even carry it (lxml refused: 500); the page echoed a raw NUL.
    feed = sqlite_api.client.get("/search.atom", params={"q": query})
    assert feed.status_code == 400
    assert named in feed.text and "\x00" not in feed.text
    page = sqlite_api.client.get("/search", params={"q": query, "lang": "en"})
    assert page.status_code == 400
    assert not any(char in page.text for char in "\x00\x01\x02\x1b")
    alert = html.fromstring(page.text).xpath("//*[@role='alert']")[0].text_content()
    assert "control character" in alert and named in alert
    api = sqlite_api.client.get("/api/v1/search", params={"q": query})
    assert api.status_code == 400
    assert named in api.text


def test_a_control_character_in_a_filter_is_refused_too(sqlite_api: Api) -> None:
    feed = sqlite_api.client.get("/search.atom", params={"q": "skupstina", "party": "a\x00"})
    assert feed.status_code == 400 and "U+0000" in feed.text
    page = sqlite_api.client.get("/search", params={"q": "skupstina", "party": "a\x00"})
    assert page.status_code == 400 and "\x00" not in page.text
    api = sqlite_api.client.get("/api/v1/search", params={"q": "skupstina", "party": "a\x00"})
    assert api.status_code == 422 and "U+0000" in api.text


def test_tabs_and_newlines_in_a_query_separate_words(sqlite_api: Api) -> None:
    spaced = sqlite_api.client.get("/api/v1/search", params={"q": "narodne skupštine"})
    tabbed = sqlite_api.client.get("/api/v1/search", params={"q": "narodne\tskupštine\r\n"})
    assert tabbed.status_code == 200
    assert tabbed.json()["count"] == spaced.json()["count"] >= 1


def test_the_feed_refuses_what_the_page_and_the_api_refuse(sqlite_api: Api) -> None:
    # A 5,000-character q was cut to 500 and searched; the API refuses it.
    for params, says in (
        ({"q": "skupstina " * 500}, "the query is longer than 500 characters"),
        ({"q": "skupstina", "party": "p" * 201}, "party is longer than 200 characters"),
    ):
        feed = sqlite_api.client.get("/search.atom", params=params)
        assert feed.status_code == 400
        assert feed.headers["content-type"].startswith("text/plain")
        assert feed.text == says
        assert sqlite_api.client.get("/search", params=params).status_code == 400
        assert sqlite_api.client.get("/api/v1/search", params=params).status_code in (400, 422)


def test_a_feed_without_hits_is_as_new_as_the_newest_publication(sqlite_api: Api) -> None:
    # It said <updated>1970-01-01…; and its title kept the soft hyphen the search ignores.
    response = sqlite_api.client.get("/search.atom", params={"q": "zzz\u00adqqq", "lang": "en"})
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert not feed.xpath("//a:entry", namespaces=ns)
    updated = datetime.fromisoformat(feed.xpath("/a:feed/a:updated/text()", namespaces=ns)[0])
    with session_scope(sqlite_api.settings.resolved_database_url) as db:
        newest = db.scalar(select(func.max(PublishedVersionRow.published_at)))
    assert newest is not None
    assert updated == newest.replace(tzinfo=updated.tzinfo)
    title = feed.xpath("/a:feed/a:title/text()", namespaces=ns)[0]
    assert "zzzqqq" in title and "\u00ad" not in title
