"""``/docs`` renders in Chromium with every other host unreachable (a closed network)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from kuvend.config import Settings
from search_api.app import create_app
from tests.publish.conftest import (  # noqa: F401  (fixtures: Debian's Chromium, no base URL)
    base_url,
    browser_type_launch_args,
)
from tests.utils.server import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def api_url(settings: Settings) -> Iterator[str]:
    with serving(create_app(settings)) as url:
        yield url


def test_docs_render_with_the_network_blocked(page: Page, api_url: str) -> None:
    own = urlsplit(api_url).netloc
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:  # what a closed network does to a request for another host
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_this_server)
    page.goto(f"{api_url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kuvend API", timeout=20_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/search")).to_be_visible()
    expect(page.locator(".errors-wrapper")).to_have_count(0)
    referenced = page.eval_on_selector_all(
        "link[href], script[src], img[src]", "els => els.map(e => e.href || e.src)"
    )
    assert referenced and all(urlsplit(url).netloc == own for url in referenced), referenced
    assert elsewhere == []
