"""Atom feed of an assembly's newly published minutes (one entry per published version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from kuvend.minutes import Minutes
from publish.versions import require_published


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A published version to announce: the minutes, when it was published, and its page."""

    minutes: Minutes
    published_at: datetime
    page_url: str
    sha256: str


def assembly_feed(
    *,
    assembly: str,
    assembly_name: str,
    feed_url: str,
    site_url: str,
    items: Sequence[FeedItem],
) -> bytes:
    """The Atom document for ``assembly``, newest version first. Drafts are refused."""
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(f"{assembly_name} — Kuvend")
    feed.subtitle(f"Minutes published by {assembly_name}")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.language("sq")
    ordered = sorted(items, key=lambda item: item.published_at)
    if ordered:
        feed.updated(ordered[-1].published_at)
    # feedgen lists entries in the order added, newest first when prepended.
    for item in ordered:
        minutes = require_published(item.minutes)
        session = minutes.session
        entry = feed.add_entry()
        # One entry per version, so a correction is announced too; the id never changes.
        entry.id(f"{item.page_url}#v{session.version}")
        entry.title(f"{session.title} ({session.date}), v{session.version}")
        entry.link(href=item.page_url, rel="alternate", type="text/html")
        entry.published(item.published_at)
        entry.updated(item.published_at)
        speakers = ", ".join(s.name or s.id for s in minutes.speakers if s.turns > 0)
        entry.summary(f"{session.title} — {session.date}. {speakers}. sha256 {item.sha256}")
    return bytes(feed.atom_str(pretty=True))
