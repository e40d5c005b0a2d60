"""Publishing a session end to end: freeze the draft, rebuild the public site, notify webhooks.

The order matters: the version is committed first, the static site is rebuilt from what is
published (never from the draft), and webhooks fire last, so a journalist who follows the
link at once finds the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kuvend.addresses import site_base_url
from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore, safe_suffix
from publish.review import publish_draft
from publish.site import SiteReport, build_site
from publish.site_data import RecordingFor, public_content
from publish.webhooks import Delivery, notify_publication

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Publication:
    """What publishing a session did."""

    session_id: str
    version: int
    sha256: str
    page_url: str
    site: SiteReport
    deliveries: tuple[Delivery, ...]


def rebuild_site(
    *, settings: Settings, recording_for: RecordingFor, site_url: str | None = None
) -> SiteReport:
    """Regenerate the public site in ``settings.resolved_site_dir`` from published versions.

    ``site_url`` is the root of the feed's absolute links; by default ``site_base_url``.
    """
    media = MediaStore(settings.resolved_media_dir)
    with session_scope(settings.resolved_database_url) as db:
        content = public_content(
            session=db,
            recording_for=recording_for,
            material_path=lambda m: media.path_for(m.sha256, safe_suffix(m.filename)),
        )
    return build_site(
        content, settings.resolved_site_dir, base_url=site_url or site_base_url(settings)
    )


def publish_session(
    *,
    settings: Settings,
    session_id: str,
    user_id: str | None,
    recording_for: RecordingFor,
    site_url: str | None = None,
) -> Publication:
    """Publish the session's draft as a new version, rebuild the site, notify webhooks."""
    root = (site_url or site_base_url(settings)).rstrip("/")
    with session_scope(settings.resolved_database_url) as db:
        frozen, record = publish_draft(session=db, session_id=session_id, user_id=user_id)
    log.info("published %s v%d; rebuilding the site", session_id, record.version)
    site = rebuild_site(settings=settings, recording_for=recording_for, site_url=root)
    page_url = f"{root}/{record.assembly}/{session_id}/v{record.version}/"
    with session_scope(settings.resolved_database_url) as db:
        deliveries = notify_publication(session=db, frozen=frozen, page_url=page_url)
    return Publication(session_id, record.version, record.sha256, page_url, site, tuple(deliveries))


def site_page(settings: Settings, assembly: str, session_id: str) -> Path:
    """Where a published session's page lies in the generated site."""
    return settings.resolved_site_dir / assembly / session_id / "index.html"
