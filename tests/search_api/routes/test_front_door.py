"""``/`` served by ``kuvend serve``: the site's front door in the visitor's language (HTTP
level; the pages themselves are tested in tests/publish/test_front_door.py)."""

from __future__ import annotations

import pytest
from lxml import html

from publish.i18n import catalog
from publish.site import SiteAssembly, build_site
from tests.search_api.conftest import Api

SWITCH = {"Shqip", "Srpski", "Српски", "English"}


@pytest.fixture(scope="module")
def site_api(sqlite_api: Api) -> Api:
    build_site(
        [SiteAssembly("prishtine", "Kuvendi Komunal i Prishtinës")],
        sqlite_api.settings.resolved_site_dir,
        base_url="http://testserver",
    )
    return sqlite_api


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"Accept-Language": "sr-Cyrl"}, {}, "sr-Cyrl"),
        ({"Accept-Language": "sr-Cyrl-RS,sr;q=0.8,en;q=0.5"}, {}, "sr-Cyrl"),
        ({"Accept-Language": "sr-Latn-RS"}, {}, "sr"),
        ({"Accept-Language": "de-DE,en;q=0.7"}, {}, "en"),
        ({"Accept-Language": "fr"}, {}, "sq"),
        ({}, {}, "sq"),
        ({"Accept-Language": "sr-Cyrl"}, {"lang": "en"}, "en"),
    ],
)
def test_the_front_door_is_in_the_language_the_visitor_asks_for(
    site_api: Api, headers: dict[str, str], query: dict[str, str], expected: str
) -> None:
    response = site_api.client.get("/", headers=headers, params=query)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept-Language" in response.headers["vary"]
    page = html.fromstring(response.text)
    assert page.get("lang") == expected
    switch = {a.text_content() for a in page.xpath("//nav[@class='language-switch']//a")}
    assert switch == SWITCH


def test_the_cyrillic_front_door_is_written_in_cyrillic(site_api: Api) -> None:
    text = site_api.client.get("/", headers={"Accept-Language": "sr-Cyrl"}).text
    assert catalog("sr", "cyrillic")["no_sessions"] in text
    assert catalog("sr")["no_sessions"] not in text
