"""Live captions (issue 5): the event stream and the page, on SQLite and PostgreSQL.

The API runs under uvicorn on 127.0.0.1 (the test client would wait for a stream to end
before returning any of it). Captions are stored the way ``workers.live.LiveProcessor`` stores
them, a chunk at a time with ``replace_chunk_segments``, into the seeded session
that is being recorded; the stream is read with httpx-sse as a citizen's browser would.
The rule under test: captions are public while recording, and every session that is not live
(a draft above all) is a 404 for everyone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from httpx_sse import ServerSentEvent, connect_sse
from playwright.sync_api import Page, expect

from kuvend.config import Settings
from kuvend.domain import AudioChunk, Segment
from kuvend.minutes import Minutes
from kuvend.storage.chunks import save_chunks
from kuvend.storage.db import session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.segments import replace_chunk_segments
from kuvend.storage.sessions import SessionStatus, set_session_status
from search_api.app import create_app
from tests.publish.conftest import (  # noqa: F401  (fixtures: Debian's Chromium, no base URL)
    base_url,
    browser_context_args,
    browser_type_launch_args,
)
from tests.search_api.routes.test_access import DRAFT, PUBLISHED_A
from tests.search_api.seed import LIVE_B, TEST_HASH_MEMORY_KIB, seed
from tests.utils.streams import free_port
from workers.actions import PipelineActions

CAPTIONS = f"/api/v1/sessions/{LIVE_B}/captions"

#: What the live processor recognises in each 30 s chunk: (start, end, speaker, language, text).
CHUNKS = [
    [
        (0.4, 4.1, "S1", "sr", "Otvaram sednicu skupštine opštine."),
        (4.6, 9.8, "S2", "sq", "Faleminderit, kryetar."),
    ],
    [(30.2, 36.0, "S1", "sr", "Prva tačka dnevnog reda je budžet.")],
    [
        (61.0, 64.5, "S2", "sq", "Propozimi u miratua."),
        (65.0, 68.2, "S1", "sr", "Hvala, sednica je završena."),
    ],
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(
    settings: Settings, database_url: str, corpus: list[Minutes]
) -> Iterator[LiveServer]:
    """The seeded API served by uvicorn on a free port (SQLite, then PostgreSQL)."""
    config = settings.model_copy(
        update={"database_url": database_url, "password_hash_memory_kib": TEST_HASH_MEMORY_KIB}
    )
    index = SqliteFtsIndex(sqlite_index_path(config))
    seed(config, corpus, index)
    app = create_app(config, index=index, actions=PipelineActions(config))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", config)
    server.should_exit = True
    thread.join(15)
    index.close()


def store_chunk(settings: Settings, index: int) -> None:
    """What LiveProcessor does when a chunk has been transcribed and its speakers linked."""
    segments = [
        Segment(start, end, text, language, 0.9, chunk_index=index, speaker=speaker)
        for start, end, speaker, language, text in CHUNKS[index]
    ]
    chunk = AudioChunk(index, Path(f"/recording/{index:05d}.wav"), 30.0 * index, 30.0)
    with session_scope(settings.resolved_database_url) as db:
        save_chunks(session=db, session_id=LIVE_B, chunks=[chunk])
        replace_chunk_segments(session=db, session_id=LIVE_B, chunk_index=index, segments=segments)


def set_status(settings: Settings, status: SessionStatus) -> None:
    with session_scope(settings.resolved_database_url) as db:
        set_session_status(session=db, session_id=LIVE_B, status=status)


def captions(events: Iterator[ServerSentEvent], count: int) -> list[tuple[str, dict[str, object]]]:
    """The next ``count`` caption events of a stream as (event id, data)."""
    received = []
    for event in events:
        if event.event == "caption":
            received.append((event.id, json.loads(event.data)))
        assert event.event in {"caption", "message"}, event  # "message": the retry hint
        if len(received) == count:
            return received
    raise AssertionError(f"the stream ended after {received}")


def texts(events: list[tuple[str, dict[str, object]]]) -> list[object]:
    return [data["text"] for _, data in events]


def test_captions_stream_while_recording_and_the_stream_ends_with_it(
    live_server: LiveServer,
) -> None:
    settings = live_server.settings
    store_chunk(settings, 0)
    with (
        httpx.Client(base_url=live_server.url, timeout=10) as client,
        connect_sse(client, "GET", CAPTIONS) as source,
    ):
        assert source.response.status_code == 200
        events = source.iter_sse()
        first = captions(events, 2)
        assert [event_id for event_id, _ in first] == ["0-0", "0-1"]
        caption = dict(first[0][1])
        assert isinstance(caption.pop("id"), str)
        assert caption == {
            "start": 0.4,
            "end": 4.1,
            "speaker": "S1",
            "language": "sr",
            "text": "Otvaram sednicu skupštine opštine.",
        }
        # The next chunks arrive on the open stream as the live processor stores them.
        store_chunk(settings, 1)
        assert texts(captions(events, 1)) == ["Prva tačka dnevnog reda je budžet."]
        set_status(settings, "stopping")  # the recorder keeps the last partial chunk
        store_chunk(settings, 2)
        last = captions(events, 2)
        assert [event_id for event_id, _ in last] == ["2-0", "2-1"]
        # Recording over: the session is queued for its final step, the stream ends.
        set_status(settings, "queued")
        ending = [event for event in events if event.event != "message"]
        assert [(e.event, json.loads(e.data)) for e in ending] == [("end", {"status": "queued"})]


def test_a_client_resumes_after_the_last_event_it_saw(live_server: LiveServer) -> None:
    settings = live_server.settings
    for index in range(3):
        store_chunk(settings, index)
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        with connect_sse(client, "GET", CAPTIONS, headers={"Last-Event-ID": "0-1"}) as source:
            resumed = captions(source.iter_sse(), 3)
        assert [event_id for event_id, _ in resumed] == ["1-0", "2-0", "2-1"]
        bad = client.get(CAPTIONS, headers={"Last-Event-ID": "S1"})
        assert bad.status_code == 400


def test_sessions_that_are_not_live_have_no_captions_for_anyone(
    live_server: LiveServer,
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={
                "username": "sekretaria@prishtine.example",
                "password": "correct horse battery staple",
            },
        ).json()["access_token"]
        for headers in ({}, {"Authorization": f"Bearer {token}"}):  # the public, A's own staff
            for session_id in (DRAFT, PUBLISHED_A, "no-such-session"):
                response = client.get(f"/api/v1/sessions/{session_id}/captions", headers=headers)
                assert response.status_code == 404
                # The same answer whether or not the session exists: a draft stays unseen.
                assert response.json()["error"]["message"] == f"session {session_id} is not live"
        # The recording ends: from then on the session's captions are the draft's, unseen.
        set_status(live_server.settings, "queued")
        assert client.get(CAPTIONS).status_code == 404
        assert client.get(f"/live/{LIVE_B}").status_code == 404


def test_the_live_page_is_served_only_while_live(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        page = client.get(f"/live/{LIVE_B}")
        assert page.status_code == 200
        assert 'aria-live="polite"' in page.text
        assert f'"{CAPTIONS}"' in page.text
        # One language: Albanian unless the reader's browser or the switch asks for another.
        assert '<html lang="sq">' in page.text and "Sednica uživo" in page.text
        assert "Titra drejtpërdrejt" in page.text and "Titlovi uživo" not in page.text
        assert f'href="/live/{LIVE_B}?lang=sr-Cyrl"' in page.text
        cyrillic = client.get(f"/live/{LIVE_B}", headers={"Accept-Language": "sr-Cyrl-RS, en"})
        assert '<html lang="sr-Cyrl">' in cyrillic.text and "Титлови уживо" in cyrillic.text
        english = client.get(
            f"/live/{LIVE_B}", params={"lang": "en"}, headers={"Accept-Language": "sr"}
        )
        assert '<html lang="en">' in english.text and "Live captions" in english.text
        draft = client.get(f"/live/{DRAFT}")
        assert draft.status_code == 404
        assert "Nuk ka transmetim" in draft.text and "aria-live" not in draft.text
        draft_en = client.get(f"/live/{DRAFT}", params={"lang": "en"})
        assert draft_en.status_code == 404 and "Not live" in draft_en.text


@pytest.mark.browser
def test_a_citizen_follows_the_captions_in_the_browser(page: Page, live_server: LiveServer) -> None:
    settings = live_server.settings
    store_chunk(settings, 0)
    page.goto(f"{live_server.url}/live/{LIVE_B}?lang=en")
    region = page.locator("#captions[aria-live=polite] li")
    expect(region).to_have_count(2)
    expect(region.nth(0)).to_contain_text("00:00 S1")
    expect(region.nth(0).locator("[lang=sr]")).to_have_text("Otvaram sednicu skupštine opštine.")
    store_chunk(settings, 1)
    expect(region).to_have_count(3, timeout=10_000)
    set_status(settings, "queued")
    expect(page.locator("[role=status]")).to_contain_text("The recording has ended", timeout=10_000)
    assert Axe().run(page).violations_count == 0
