"""Atom feed of an assembly's newly published minutes (one entry per published version).

Its text is in the site's interface language (``xml:lang``), from the same catalogs as the
pages; titles, names and hashes are the minutes' own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from kuvend.minutes import Minutes
from publish.i18n import Translator, UiLanguage
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
    ui_language: UiLanguage = "sq",
) -> bytes:
    """The Atom document for ``assembly`` in ``ui_language``, newest version first. Drafts are
    refused."""
    t = Translator(ui_language)
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(f"{assembly_name} — Kuvend")
    feed.subtitle(t("feed_subtitle", assembly=assembly_name))
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.language(ui_language)
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
        entry.title(
            t("feed_entry_title", title=session.title, date=session.date, version=session.version)
        )
        entry.link(href=item.page_url, rel="alternate", type="text/html")
        entry.published(item.published_at)
        entry.updated(item.published_at)
        speakers = ", ".join(
            s.name or t("speaker_unnamed", label=s.id) for s in minutes.speakers if s.turns > 0
        )
        entry.summary(
            t(
                "feed_entry_summary",
                title=session.title,
                date=session.date,
                speakers=speakers,
                sha256=item.sha256,
            )
        )
    return bytes(feed.atom_str(pretty=True))
