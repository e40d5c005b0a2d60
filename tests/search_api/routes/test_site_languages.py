"""Every folder URL of the site served by ``kuvend serve`` (an assembly's page, a session's)
and the search page ``/search`` in the visitor's language (HTTP level; the pages' texts are
tested in tests/publish/)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from httpx import Response
from lxml import html

from publish.i18n import catalog
from publish.site import SiteAssembly, SiteSession, SiteVersion, build_site
from publish.versions import freeze
from tests.publish.factories import SESSION, sample_minutes
from tests.search_api.conftest import Api

ASSEMBLY = "/prishtina/"
SESSION_PAGE = f"/prishtina/{SESSION.id}/"


@pytest.fixture(scope="module")
def site_api(sqlite_api: Api) -> Api:
    frozen = freeze(sample_minutes(), version=1)
    version = SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 3, 15, 10, tzinfo=UTC))
    site = sqlite_api.settings.resolved_site_dir
    build_site(
        [SiteAssembly("prishtina", "Kuvendi Komunal i Prishtinës", [SiteSession([version])])],
        site,
        base_url="http://testserver",
    )
    # A folder written before pages had their languages: only index.html.
    (site / "old").mkdir()
    (site / "old" / "index.html").write_text("<html lang='sq'><p>e vjetër</p></html>", "utf-8")
    return sqlite_api


def _lang(response: Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept-Language, Cookie"
    return str(html.fromstring(response.text).get("lang"))


@pytest.mark.parametrize("path", [ASSEMBLY, SESSION_PAGE, f"{SESSION_PAGE}v1/"])
@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"Accept-Language": "sr"}, {}, "sr"),
        ({"Accept-Language": "sr-Latn-RS,sr;q=0.9"}, {}, "sr"),
        # The assembly's Serbian pages are in its own script: the Serbian page it is.
        ({"Accept-Language": "sr-Cyrl-RS"}, {}, "sr"),
        ({"Accept-Language": "de-DE,en;q=0.7"}, {}, "en"),
        ({"Accept-Language": "fr"}, {}, "sq"),
        ({}, {}, "sq"),
        ({"Accept-Language": "sr", "Cookie": "kuvend_lang=en"}, {}, "en"),
        ({"Accept-Language": "en"}, {"lang": "sr"}, "sr"),
    ],
)
def test_a_site_page_is_in_the_language_the_visitor_asks_for(
    site_api: Api, path: str, headers: dict[str, str], query: dict[str, str], expected: str
) -> None:
    response = site_api.client.get(path, headers=headers, params=query)
    assert _lang(response) == expected
    assert response.headers["content-language"] == expected


def test_index_html_is_negotiated_too_and_named_variants_are_served_as_they_are(
    site_api: Api,
) -> None:
    client = site_api.client
    english = {"Accept-Language": "en"}
    assert _lang(client.get(f"{ASSEMBLY}index.html", headers=english)) == "en"
    assert _lang(client.get(f"{SESSION_PAGE}index.html", headers=english)) == "en"
    # A link to a language's page (the switch's) is that page, whatever the browser says.
    named = client.get(f"{ASSEMBLY}index.sr.html", headers=english)
    assert named.status_code == 200 and html.fromstring(named.text).get("lang") == "sr"
    assert "vary" not in named.headers


def test_the_serbian_assembly_page_speaks_serbian(site_api: Api) -> None:
    page = site_api.client.get(ASSEMBLY, headers={"Accept-Language": "sr"}).text
    assert catalog("sr")["members"] in page
    assert catalog("sq")["members"] not in page


def test_a_folder_without_languages_and_other_files_are_plain(site_api: Api) -> None:
    client = site_api.client
    old = client.get("/old/", headers={"Accept-Language": "en"})
    assert _lang(old) == "sq" and "e vjetër" in old.text
    assert "content-language" not in old.headers
    feed = client.get(f"{ASSEMBLY}feed.atom", headers={"Accept-Language": "en"})
    assert feed.status_code == 200 and "vary" not in feed.headers
    assert client.get("/prishtina").status_code == 200  # redirected to the folder URL
    assert client.get("/nowhere/", headers={"Accept-Language": "en"}).status_code == 404
    assert client.get("/../secret.key").status_code == 404


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"Accept-Language": "en-GB,en;q=0.9"}, {}, "en"),
        ({"Accept-Language": "sr"}, {}, "sr"),
        ({}, {}, "sq"),
        ({"Accept-Language": "en"}, {"lang": "sq"}, "sq"),
        ({"Cookie": "kuvend_lang=en"}, {}, "en"),
    ],
)
def test_the_search_page_is_in_the_language_the_visitor_asks_for(
    site_api: Api, headers: dict[str, str], query: dict[str, str], expected: str
) -> None:
    response = site_api.client.get("/search", params={"q": "keshilli", **query}, headers=headers)
    assert _lang(response) == expected
    assert response.headers["content-language"] == expected


def test_search_links_keep_only_a_language_the_visitor_named(site_api: Api) -> None:
    client = site_api.client
    chosen = html.fromstring(
        client.get("/search", params={"q": "keshilli"}, headers={"Accept-Language": "en"}).text
    )
    facet_links = chosen.xpath("//aside//a/@href")
    assert facet_links and not any("lang=" in href for href in facet_links)
    named = html.fromstring(client.get("/search", params={"q": "keshilli", "lang": "en"}).text)
    assert all("lang=en" in href for href in named.xpath("//aside//a/@href"))
