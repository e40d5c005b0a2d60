"""The search page ``/search`` of ``kuvend serve``'s application in Debian's headless Chromium.

A published bilingual session with its real recording (Albanian and Serbian, Latin), a
published Serbian session in Cyrillic of another assembly, and a draft whose words must never
be found; all served by ``create_app`` with the static site and the search page.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from kuvend.config import Settings
from kuvend.domain import Member
from kuvend.minutes import Minutes
from kuvend.storage.db import migrate
from kuvend.storage.index import SqliteFtsIndex
from publish import build_minutes, search_page
from publish.site import SiteAssembly, SiteSession, SiteVersion, build_site
from publish.static_search import build_static_search
from publish.versions import freeze
from search_api.app import create_app
from tests.publish.conftest import _free_port, _recorded_minutes
from tests.publish.factories import SESSION, segment

pytestmark = pytest.mark.browser

ZVECAN = Member(id="m-milan", assembly="zvecan", name="Милан Петровић", party="Српска листа")


@dataclass(frozen=True)
class SearchSite:
    url: str
    bilingual: Minutes


def _cyrillic_session() -> Minutes:
    info = dataclasses.replace(
        SESSION, id="zvecan-2024-04-02", assembly="zvecan", title="Седница скупштине", gaps=()
    )
    lines = [
        segment(0.0, 4.0, "S1", "Скупштина општине разматра буџет за школе.", "sr"),
        segment(4.0, 8.0, "S1", "Предлажем да се седница настави сутра.", "sr"),
    ]
    minutes = build_minutes(info, lines, speakers={"S1": ZVECAN}, duration_s=8.0)
    return freeze(minutes, version=1).minutes


def _draft() -> Minutes:
    info = dataclasses.replace(SESSION, id="prishtina-2024-05-01", title="Draft", gaps=())
    line = segment(0.0, 3.0, "S1", "Rebalansi sekret i buxhetit u diskutua.", "sq")
    return build_minutes(info, [line], speakers={"S1": None}, duration_s=3.0)


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchSite]:
    workdir = tmp_path_factory.mktemp("search-site")
    recorded, recording = _recorded_minutes(workdir)
    bilingual = freeze(recorded, version=1).minutes
    cyrillic = _cyrillic_session()
    at = datetime(2024, 4, 3, 9, tzinfo=UTC)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=workdir / "data",
        database_url="",
        search_backend="sqlite",
        anonymous_rate_limit="100000/minute",
        page_rate_limit="100000/minute",
    )
    migrate(settings.resolved_database_url)
    build_site(
        [
            SiteAssembly(
                "prishtina",
                "Kuvendi Komunal i Prishtinës",
                [SiteSession([SiteVersion(bilingual, "0" * 64, at)], recording=recording)],
            ),
            SiteAssembly(
                "zvecan",
                "Скупштина општине Звечан",
                [SiteSession([SiteVersion(cyrillic, "1" * 64, at)])],
            ),
        ],
        settings.resolved_site_dir,
        base_url="http://127.0.0.1",
        builders=[build_static_search],
    )
    index = SqliteFtsIndex(workdir / "search.db")
    for minutes in (bilingual, cyrillic, _draft()):
        index.index_minutes(minutes)
    app = create_app(settings, index=index, search_pages=search_page)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield SearchSite(f"http://127.0.0.1:{port}", bilingual)
    server.should_exit = True
    thread.join(timeout=10)
    index.close()


def _search(page: Page, site: SearchSite, query: str, lang: str = "en", **filters: str) -> None:
    extra = "".join(f"&{key}={value}" for key, value in filters.items())
    page.goto(f"{site.url}/search?q={query}&lang={lang}{extra}")


def test_a_word_without_accents_opens_the_session_at_its_moment(
    page: Page, search_site: SearchSite
) -> None:
    page.goto(f"{search_site.url}/prishtina/index.en.html")
    page.get_by_role("searchbox").fill("seancen")  # written "seancën"
    page.get_by_role("searchbox").press("Enter")
    hit = page.locator(".hit").first
    expect(hit.locator("mark")).to_have_text("seancën")
    expect(hit).to_contain_text("Ana Kelmendi")
    expect(hit).to_contain_text("LDK")
    hit.locator("h3 a").click()
    start = next(s.start for s in search_site.bilingual.segments if "seancën" in s.text)
    page.wait_for_url(f"**/prishtina/{search_site.bilingual.session.id}/#t={start:.1f}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start:.1f}) < 0.2"
    )


def test_cyrillic_finds_latin_and_latin_finds_cyrillic(page: Page, search_site: SearchSite) -> None:
    _search(page, search_site, "буџету")
    expect(page.locator(".hit mark").first).to_have_text("budžetu")
    _search(page, search_site, "skupstina")
    expect(page.locator(".hit mark").first).to_have_text("Скупштина")


def test_a_word_only_in_a_draft_finds_nothing(page: Page, search_site: SearchSite) -> None:
    _search(page, search_site, "rebalansi")
    expect(page.locator("#results-heading")).to_contain_text("No results")
    expect(page.locator(".hit")).to_have_count(0)


def test_filters_narrow_the_results(page: Page, search_site: SearchSite) -> None:
    _search(page, search_site, "budzet")
    expect(page.locator(".hit")).to_have_count(3)
    page.locator(".facets a", has_text="zvecan").click()
    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".hit mark")).to_have_text("буџет")
    page.locator(".active-filters a").click()
    expect(page.locator(".hit")).to_have_count(3)


def test_the_page_fits_a_phone(page: Page, search_site: SearchSite) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _search(page, search_site, "budzet", lang="sq")
    expect(page.locator(".hit").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("lang", ["sq", "sr", "sr-Cyrl", "en"])
def test_no_accessibility_violations(page: Page, search_site: SearchSite, lang: str) -> None:
    for query in ("budzet", "nothingatall"):
        _search(page, search_site, query, lang=lang)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
