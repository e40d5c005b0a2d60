"""The Atom feed parses and lists versions; webhooks reach a real local HTTP receiver, signed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from lxml import etree

from kuvend.errors import ConflictError
from kuvend.storage.db import session_scope
from kuvend.storage.publications import register_webhook
from kuvend.storage.sessions import ensure_assembly
from publish.feed import FeedItem, assembly_feed
from publish.versions import freeze
from publish.webhooks import (
    SIGNATURE_HEADER,
    WebhookOptions,
    deliver,
    notify_publication,
    publication_event,
    verify_signature,
)
from tests.publish.factories import sample_minutes

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "s3cr3t-for-the-newsroom"


def test_feed_has_one_entry_per_published_version() -> None:
    v1 = freeze(sample_minutes(), version=1)
    v2 = freeze(sample_minutes(), version=2)
    page = "https://kuvend.example/prishtina/prishtina-2024-03-14/index.html"
    items = [
        FeedItem(v.minutes, datetime(2024, 3, 15, 10 + n, tzinfo=UTC), page, v.sha256)
        for n, v in enumerate((v1, v2))
    ]
    xml = assembly_feed(
        assembly="prishtina",
        assembly_name="Kuvendi Komunal i Prishtinës",
        feed_url="https://kuvend.example/prishtina/feed.atom",
        site_url="https://kuvend.example/prishtina/",
        items=items,
    )
    root = etree.fromstring(xml)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"{page}#v2", f"{page}#v1"]
    assert entries[0].find(f"{ATOM}link").get("href") == page
    assert root.findtext(f"{ATOM}updated").startswith("2024-03-15T11:00:00")


def test_feed_refuses_a_draft() -> None:
    with pytest.raises(ConflictError, match="draft"):
        assembly_feed(
            assembly="prishtina",
            assembly_name="P",
            feed_url="https://kuvend.example/f",
            site_url="https://kuvend.example/",
            items=[FeedItem(sample_minutes(), datetime.now(UTC), "https://x/", "0" * 64)],
        )


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    failures_left = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads what arrived."""


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    _Receiver.failures_left = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/kuvend"
    server.shutdown()
    server.server_close()


def _event() -> dict[str, object]:
    frozen = freeze(sample_minutes(), version=1)
    return publication_event(
        frozen.minutes, page_url="https://kuvend.example/p/s/index.html", sha256=frozen.sha256
    )


def test_webhook_is_delivered_with_a_valid_signature(receiver: str) -> None:
    delivery = deliver(receiver, SECRET, _event())
    assert delivery.delivered and delivery.status_code == 204 and delivery.attempts == 1
    ((headers, body),) = _Receiver.received
    assert verify_signature(body, SECRET, headers[SIGNATURE_HEADER])
    assert not verify_signature(body, "another secret", headers[SIGNATURE_HEADER])
    assert not verify_signature(body + b" ", SECRET, headers[SIGNATURE_HEADER])
    event = json.loads(body)
    assert (event["event"], event["version"], event["session_id"]) == (
        "minutes.published",
        1,
        "prishtina-2024-03-14",
    )
    assert headers["X-Kuvend-Delivery"] == delivery.delivery_id


def test_webhook_retries_a_failing_receiver(receiver: str) -> None:
    _Receiver.failures_left = 2
    options = WebhookOptions(attempts=3, backoff_first_s=0.01)
    delivery = deliver(receiver, SECRET, _event(), options=options)
    assert delivery.delivered and delivery.attempts == 3
    # The same delivery id every time, so the receiver can drop repeats.
    assert len({h["X-Kuvend-Delivery"] for h, _ in _Receiver.received}) == 1


def test_webhook_gives_up_on_an_unreachable_receiver(receiver: str) -> None:
    closed = receiver.rsplit(":", 1)[0] + ":9/"  # the discard port: nothing listens
    options = WebhookOptions(attempts=2, backoff_first_s=0.01, timeout_s=2)
    delivery = deliver(closed, SECRET, _event(), options=options)
    assert not delivery.delivered and delivery.attempts == 2 and delivery.status_code is None


def test_no_event_for_a_draft() -> None:
    with pytest.raises(ConflictError):
        publication_event(sample_minutes(), page_url="https://x/", sha256="0" * 64)


def test_every_registered_receiver_is_notified(receiver: str, database_url: str) -> None:
    with session_scope(database_url) as db:
        ensure_assembly(session=db, slug="prishtina", name="Prishtinë")
        ensure_assembly(session=db, slug="peje", name="Pejë")
        mine = register_webhook(session=db, url=receiver, assembly="prishtina")
        every = register_webhook(session=db, url=receiver + "/all", assembly=None)
        register_webhook(session=db, url=receiver + "/peje", assembly="peje")
    frozen = freeze(sample_minutes(), version=1)
    with session_scope(database_url) as db:
        deliveries = notify_publication(
            session=db, frozen=frozen, page_url="https://kuvend.example/prishtina/s/v1/"
        )
    # Pejë's hook hears nothing of Prishtina; each receiver can check its own signature.
    assert sorted(d.url for d in deliveries) == sorted([mine.url, every.url])
    assert all(d.delivered for d in deliveries)
    signed_with = sorted(
        hook.url
        for headers, body in _Receiver.received
        for hook in (mine, every)
        if verify_signature(body, hook.secret, headers[SIGNATURE_HEADER])
    )
    assert signed_with == sorted([mine.url, every.url])
    event = json.loads(_Receiver.received[0][1])
    assert event["minutes_url"] == "https://kuvend.example/prishtina/s/v1/minutes.json"
