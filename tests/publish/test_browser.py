"""The session page in Debian's headless Chromium: follows playback, seeks, accessible, safe."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Dialog, Page, expect

from tests.publish.conftest import ARTIFACTS, XSS, ServedSite

pytestmark = pytest.mark.browser

CURRENT = ".line.current"


def _starts(site: ServedSite) -> list[float]:
    return [segment.start for segment in site.minutes.segments]


def _current_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


def _ready(page: Page) -> None:
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def test_playing_moves_the_highlighted_line(page: Page, served_site: ServedSite) -> None:
    starts = _starts(served_site)
    page.goto(served_site.session_url())
    _ready(page)
    page.evaluate("document.getElementById('player').playbackRate = 2")
    page.evaluate("document.getElementById('player').play()")
    first = page.locator(CURRENT)
    expect(first).to_have_attribute("data-start", str(starts[0]), timeout=10_000)
    expect(first).to_have_attribute("aria-current", "true")
    # Still playing: the highlight moves on to the second speaker's line by itself.
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[1]), timeout=20_000)
    assert page.locator(CURRENT).count() == 1
    assert _current_time(page) >= starts[1]


def test_clicking_a_line_seeks_the_player(page: Page, served_site: ServedSite) -> None:
    starts = _starts(served_site)
    page.goto(served_site.session_url())
    _ready(page)
    lines = page.locator(".line")
    lines.nth(3).locator(".text").click()
    page.wait_for_function(f"document.getElementById('player').currentTime >= {starts[3] - 0.05}")
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[3]))
    # The time link seeks too, and leaves a link to the moment in the address bar.
    lines.nth(1).locator("a.time").click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {starts[1]}) < 1.0"
    )
    assert page.evaluate("location.hash") == f"#t={starts[1]}"
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[1]))


def test_captions_track_loads_from_the_vtt(page: Page, served_site: ServedSite) -> None:
    page.goto(served_site.session_url())
    _ready(page)
    page.evaluate("document.getElementById('player').textTracks[0].mode = 'hidden'")
    count = len(served_site.minutes.segments)
    page.wait_for_function(
        f"(document.getElementById('player').textTracks[0].cues || []).length === {count}"
    )
    third = page.evaluate("document.getElementById('player').textTracks[0].cues[2].text")
    # The voice span names the speaker; the markup in the transcript stays text in the cue.
    assert third == "<v Ana Kelmendi>&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_link_to_a_moment_opens_there(page: Page, served_site: ServedSite) -> None:
    starts = _starts(served_site)
    page.goto(f"{served_site.session_url()}#t={starts[2]}")
    page.wait_for_function(f"document.getElementById('player').currentTime >= {starts[2] - 0.05}")
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[2]))


def test_keyboard_reaches_and_activates_a_line(page: Page, served_site: ServedSite) -> None:
    starts = _starts(served_site)
    page.goto(served_site.session_url())
    _ready(page)
    link = page.locator(".line a.time").nth(3)
    link.focus()
    # The focused link is visibly outlined (WCAG 2.4.7).
    style = page.evaluate(
        "[getComputedStyle(document.activeElement).outlineStyle,"
        " getComputedStyle(document.activeElement).outlineWidth]"
    )
    assert style == ["solid", "3px"]
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.getElementById('player').currentTime >= {starts[3] - 0.05}")
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[3]))


def test_markup_in_a_segment_shows_as_text_and_runs_nothing(
    page: Page, served_site: ServedSite
) -> None:
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(served_site.session_url())
    _ready(page)
    line = page.locator(".line").nth(2).locator(".text")
    expect(line).to_have_text(XSS)
    assert page.locator(".transcript script").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []


@pytest.mark.parametrize("language", ["sq", "sr", "en"])
def test_session_page_has_no_accessibility_violations(
    page: Page, served_site: ServedSite, language: str
) -> None:
    page.goto(served_site.session_url(language))
    _ready(page)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_other_pages_have_no_accessibility_violations(page: Page, served_site: ServedSite) -> None:
    assembly = served_site.minutes.session.assembly
    for path in (
        *(f"index.{code}.html" for code in ("sq", "sr", "sr-Cyrl", "en")),
        f"{assembly}/index.html",
        f"{assembly}/members/index.html",
        f"{assembly}/members/m-ana/index.html",
    ):
        page.goto(f"{served_site.url}/{path}")
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"


def test_screenshots_of_the_session_page(page: Page, served_site: ServedSite) -> None:
    """Desktop and phone screenshots for a person to look at (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    starts = _starts(served_site)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served_site.session_url('sq')}#t={starts[1]}")
    expect(page.locator(CURRENT)).to_have_attribute("data-start", str(starts[1]))
    page.screenshot(path=str(ARTIFACTS / "session-page.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _ready(page)
    # On a phone nothing needs sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "session-page-phone.png"), full_page=True)
    assert (ARTIFACTS / "session-page.png").stat().st_size > 10_000
