"""Links written outside a request follow the address ``kuvend serve`` serves at."""

from __future__ import annotations

from pathlib import Path

from kuvend.addresses import (
    DEFAULT_ADDRESS,
    remember_served_address,
    served_address,
    site_base_url,
)
from kuvend.config import Settings
from kuvend.storage.db import migrate
from publish.publication import publish_session
from tests.publish.factories import SESSION
from tests.publish.test_review_storage import _stored_session


def test_a_wildcard_address_is_reached_through_loopback() -> None:
    assert served_address("0.0.0.0", 8123) == "http://127.0.0.1:8123"
    assert served_address("::", 8123) == "http://[::1]:8123"
    assert served_address("192.168.1.5", 80) == "http://192.168.1.5:80"


def test_without_serve_links_point_to_the_default_address(settings: Settings) -> None:
    assert site_base_url(settings) == DEFAULT_ADDRESS


def test_publish_links_follow_the_served_port(settings: Settings) -> None:
    migrate(settings.resolved_database_url)
    session_id = _stored_session(settings.resolved_database_url)
    remember_served_address(settings, "http://127.0.0.1:8123")
    publication = publish_session(
        settings=settings, session_id=session_id, user_id=None, recording_for=lambda _: None
    )
    assert publication.page_url == f"http://127.0.0.1:8123/{SESSION.assembly}/{session_id}/v1/"
    feed = (settings.resolved_site_dir / SESSION.assembly / "feed.atom").read_text("utf-8")
    assert "http://127.0.0.1:8123/" in feed and ":8000" not in feed


def test_a_configured_public_address_wins(settings: Settings, tmp_path: Path) -> None:
    public = settings.model_copy(update={"public_base_url": "https://kuvend.example.org/"})
    remember_served_address(public, "http://127.0.0.1:8123")
    assert site_base_url(public) == "https://kuvend.example.org"
