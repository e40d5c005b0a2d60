"""Streaming captions on the event stream and the page (issue 18): committed words come as
``committed`` events that a client appends (and resumes after), the tentative tail as
``tentative`` events that replace each other; on the page the tentative words are marked and
kept out of the screen reader's live region. The captions are written the way
``workers.captions.LiveCaptioner`` writes them, into the seeded session being recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import ServerSentEvent, connect_sse
from playwright.sync_api import Page, expect

from kuvend.live_captions import CaptionLog, LiveWord, captions_dir
from tests.publish.conftest import (  # noqa: F401  (fixtures: Debian's Chromium, no base URL)
    base_url,
    browser_context_args,
    browser_type_launch_args,
)
from tests.search_api.routes.test_live import (  # noqa: F401  (fixture)
    CAPTIONS,
    LiveServer,
    live_server,
    set_status,
)
from tests.search_api.seed import LIVE_B


def _words(*texts: str, start_s: float = 0.0) -> list[LiveWord]:
    return [LiveWord(start_s + i, start_s + i + 0.8, text, "sr") for i, text in enumerate(texts)]


def _next(events: Iterator[ServerSentEvent], kind: str) -> tuple[str, dict[str, object]]:
    for event in events:
        if event.event == kind:
            return event.id, json.loads(event.data)
        assert event.event in {"message", "committed", "tentative"}, event
    raise AssertionError(f"no {kind} event")


def test_committed_words_are_appended_and_resumed_after(
    live_server: LiveServer,  # noqa: F811  (the fixture imported above)
) -> None:
    log = CaptionLog(captions_dir(live_server.settings, LIVE_B))
    log.append(_words("Otvaram", "sednicu"))
    log.set_tentative(_words("skupštine", "opš", start_s=2.0))
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        with connect_sse(client, "GET", CAPTIONS) as source:
            events = source.iter_sse()
            event_id, committed = _next(events, "committed")
            assert event_id == "~2" and committed["seq"] == 2
            assert [w["text"] for w in committed["words"]] == ["Otvaram", "sednicu"]  # type: ignore[attr-defined]
            _, tentative = _next(events, "tentative")
            assert tentative["after"] == 2
            assert [w["text"] for w in tentative["words"]] == ["skupštine", "opš"]  # type: ignore[attr-defined]
            # The tail is decoded again: it changes, then two words of it are committed.
            log.set_tentative(_words("skupštine", "opštine", start_s=2.0))
            _, tentative = _next(events, "tentative")
            assert [w["text"] for w in tentative["words"]] == ["skupštine", "opštine"]  # type: ignore[attr-defined]
            log.append(_words("skupštine", "opštine.", start_s=2.0))
            log.set_tentative([])
            event_id, committed = _next(events, "committed")
            assert event_id == "~4" and committed["seq"] == 4
        # A client that saw two words gets only the two after them.
        with connect_sse(client, "GET", CAPTIONS, headers={"Last-Event-ID": "~2"}) as source:
            event_id, committed = _next(source.iter_sse(), "committed")
            assert event_id == "~4"
            assert [w["text"] for w in committed["words"]] == ["skupštine", "opštine."]  # type: ignore[attr-defined]


@pytest.mark.browser
def test_the_page_marks_tentative_words_and_announces_only_committed_ones(
    page: Page,
    live_server: LiveServer,  # noqa: F811
) -> None:
    log = CaptionLog(captions_dir(live_server.settings, LIVE_B))
    log.append(_words("Otvaram", "sednicu"))
    log.set_tentative(_words("skupštine", start_s=2.0))
    page.goto(f"{live_server.url}/live/{LIVE_B}?lang=en")
    announced = page.locator("#committed[aria-live=polite]")
    expect(announced).to_have_text("Otvaram sednicu")
    tentative = page.locator("#tentative.tentative[aria-hidden=true]")
    expect(tentative).to_have_text("skupštine")
    log.append(_words("skupštine", "opštine.", start_s=2.0))
    log.set_tentative([])
    expect(announced).to_have_text("Otvaram sednicu skupštine opštine.", timeout=10_000)
    expect(tentative).to_have_text("")
    set_status(live_server.settings, "queued")
    expect(page.locator("[role=status]")).to_contain_text("The recording has ended", timeout=10_000)
