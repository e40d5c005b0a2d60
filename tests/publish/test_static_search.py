"""Search without a server: the built site copied into a plain folder and served by Python's
``http.server`` (no Kuvend process); the session page's search box finds a word and links to
its moment. Headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.publish.conftest import ServedSite, _free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def plain_host(served_site: ServedSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("plain-host") / "www"
    shutil.copytree(served_site.root, folder)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("http.server did not start within 20 s")
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_the_index_is_plain_files_inside_the_site(served_site: ServedSite) -> None:
    folder = served_site.root / served_site.minutes.session.assembly / "search"
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert [s[0] for s in meta["sessions"]] == [served_site.minutes.session.id]
    assert meta["segments"] == len(served_site.minutes.segments)
    # The word's shard holds it, folded, with the segment that says it.
    shard = json.loads((folder / "terms" / f"{b'bu'.hex()}.json").read_text("utf-8"))
    number = next(i for i, s in enumerate(served_site.minutes.segments) if "budžetu" in s.text)
    assert "budzetu" in shard and number in _numbers(shard["budzetu"])
    texts = json.loads((folder / "texts" / "0.json").read_text("utf-8"))
    assert texts[number][4] == served_site.minutes.segments[number].text


def _numbers(deltas: list[int]) -> list[int]:
    numbers, total = [], 0
    for delta in deltas:
        total += delta
        numbers.append(total)
    return numbers


def test_the_session_page_search_box_finds_the_word_and_opens_its_moment(
    page: Page, plain_host: str, served_site: ServedSite
) -> None:
    session = served_site.minutes.session
    page.goto(f"{plain_host}/{session.assembly}/{session.id}/index.sr.html")
    box = page.locator("header input[type=search]")
    box.fill("БУЏЕТУ")  # Cyrillic, capitals, for "budžetu" written in Latin
    box.press("Enter")
    page.wait_for_url("**/search/index.sr.html?**")
    hit = page.locator(".hit").first
    expect(hit.locator("mark")).to_have_text("budžetu")
    start = next(s.start for s in served_site.minutes.segments if "budžetu" in s.text)
    hit.locator("a").click()
    page.wait_for_url(f"**/{session.id}/index.sr.html#t={start:.1f}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start:.1f}) < 0.2"
    )


def test_accents_are_optional_and_a_missing_word_says_so(page: Page, plain_host: str) -> None:
    page.goto(f"{plain_host}/search/index.en.html?q=seancen")
    expect(page.locator(".hit mark")).to_have_text("seancën")
    expect(page.locator("#results-heading")).to_have_text("1 result")  # not "1 results"
    page.goto(f"{plain_host}/search/index.sq.html?q=seancen")
    expect(page.locator("#results-heading")).to_have_text("1 rezultat")
    page.goto(f"{plain_host}/search/index.en.html?q=BUDŽ*")
    expect(page.locator(".hit mark").first).to_have_text("budžetu")
    page.goto(f"{plain_host}/search/index.en.html?q=budzetu+-budzetu")
    expect(page.locator("#results-heading")).to_contain_text("No results")
    page.goto(f"{plain_host}/search/index.en.html?q=nothingatall")
    expect(page.locator("#results-heading")).to_contain_text("No results")


@pytest.mark.parametrize("lang", ["sq", "sr", "en"])
def test_the_static_results_page_has_no_accessibility_violations(
    page: Page, plain_host: str, lang: str
) -> None:
    page.goto(f"{plain_host}/search/index.{lang}.html?q=budzet")
    expect(page.locator(".hit").first).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
