"""Publishing a session end to end: freeze the draft, rebuild the public site, notify webhooks.

The order matters. The version row is committed only once every export of it has been
written (a version whose files cannot be made is never published); the static site is then
rebuilt from what is published (never from the draft) into a new folder and swapped in
(:mod:`publish.site_folder`), reading the database under the site's lock so that concurrent
publishers never swap in a site missing the other's version; webhooks fire last, so a
journalist who follows the link at once finds the page.

Publishing rebuilds incrementally: the published session's folder, its assembly's indexes,
feed, members' pages, calendar and search index, and the front door; every other session's
folder is left as it is. :func:`rebuild_site` without ``changed`` rebuilds everything (after
an upgrade of the templates, ``kuvend publish --rebuild-site``).

A session's agenda and materials can be made public ahead of the sitting
(:func:`announce_session`): the assembly's page and the front door list the sitting with its
agenda and link its materials, rebuilt the same incremental way.

Further parts of the site (a static search index …) are :data:`SITE_BUILDERS`: each runs in
every build, over the same published content, into the folder about to be swapped in.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from kuvend.addresses import site_base_url
from kuvend.config import Settings
from kuvend.errors import ConflictError
from kuvend.minutes import FlaggedSpeech
from kuvend.storage.agenda import publish_agenda_and_materials
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore, safe_suffix
from kuvend.storage.sessions import get_session
from publish.exports import ALL_FORMATS, write_exports
from publish.front_door import write_calendars
from publish.review import publish_draft
from publish.site import SiteBuilder, SiteReport, build_site
from publish.site_data import RecordingFor, public_content
from publish.site_folder import rebuild_into
from publish.static_search import build_static_search
from publish.webhooks import Delivery, notify_publication

log = logging.getLogger(__name__)

#: Builders run after the pages in every site build (see :class:`publish.site.SiteBuilder`).
SITE_BUILDERS: tuple[SiteBuilder, ...] = (build_static_search, write_calendars)


@dataclass(frozen=True, slots=True)
class Publication:
    """What publishing a session did."""

    session_id: str
    version: int
    sha256: str
    page_url: str
    site: SiteReport
    deliveries: tuple[Delivery, ...]
    unfilled: FlaggedSpeech
    """Flagged speech published as gaps, not yet filled in by a reviewer."""


def rebuild_site(
    *,
    settings: Settings,
    recording_for: RecordingFor,
    site_url: str | None = None,
    changed: Collection[str] | None = None,
) -> SiteReport:
    """Regenerate the public site in ``settings.resolved_site_dir`` from published versions.

    ``site_url`` is the root of the feed's absolute links; by default ``site_base_url``.
    ``changed``: the session ids to rebuild (with their assemblies' indexes and the front
    door), every other folder kept; ``None`` rebuilds the whole site.
    """
    media = MediaStore(settings.resolved_media_dir)
    live = settings.resolved_site_dir

    def build(new: Path, previous: Path) -> SiteReport:
        with session_scope(settings.resolved_database_url) as db:
            content = public_content(
                session=db,
                recording_for=recording_for,
                material_path=lambda m: media.path_for(m.sha256, safe_suffix(m.filename)),
            )
        return build_site(
            content,
            new,
            base_url=site_url or site_base_url(settings),
            previous=previous,
            builders=SITE_BUILDERS,
            changed=changed,
        )

    built = rebuild_into(live, build, kept=lambda report: report.kept)
    # The pages were written in the new folder; they now lie at the same places in ``live``.
    pages = tuple(live / page.relative_to(built.out_dir) for page in built.pages)
    return SiteReport(live, pages, built.kept)


def publish_session(
    *,
    settings: Settings,
    session_id: str,
    user_id: str | None,
    recording_for: RecordingFor,
    site_url: str | None = None,
    rebuild_all: bool = False,
) -> Publication:
    """Publish the session's draft as a new version (its agenda and materials public with it),
    rebuild the site, notify webhooks.

    The site is rebuilt for this session only (see :func:`rebuild_site`) unless ``rebuild_all``.
    """
    root = (site_url or site_base_url(settings)).rstrip("/")
    with session_scope(settings.resolved_database_url) as db:
        frozen, record = publish_draft(session=db, session_id=session_id, user_id=user_id)
        # The minutes come out with their supporting documents (those not announced ahead).
        publish_agenda_and_materials(session=db, session_id=session_id)
        # Before the row commits: a version whose files cannot all be written is not published.
        with tempfile.TemporaryDirectory() as folder:
            try:
                write_exports(frozen.minutes, Path(folder), formats=ALL_FORMATS)
            except ValueError as error:  # a writer refusing the text (XML's forbidden characters)
                raise ConflictError(
                    f"session {session_id} cannot be published, its minutes cannot be exported "
                    f"({error}); correct the segment and publish again"
                ) from error
    log.info("published %s v%d; rebuilding the site", session_id, record.version)
    site = rebuild_site(
        settings=settings,
        recording_for=recording_for,
        site_url=root,
        changed=None if rebuild_all else {session_id},
    )
    page_url = f"{root}/{record.assembly}/{session_id}/v{record.version}/"
    with session_scope(settings.resolved_database_url) as db:
        deliveries = notify_publication(session=db, frozen=frozen, page_url=page_url)
    return Publication(
        session_id,
        record.version,
        record.sha256,
        page_url,
        site,
        tuple(deliveries),
        frozen.minutes.flagged_speech(),
    )


def announce_session(
    *,
    settings: Settings,
    session_id: str,
    recording_for: RecordingFor,
    site_url: str | None = None,
) -> int:
    """Make the session's agenda and materials public and rebuild its part of the site.

    Returns how many agenda items and materials were made public (those already public
    included). For a sitting not held yet, its assembly's page and the front door show it
    with its agenda and materials when this returns; for a published one, its page lists the
    materials. Raises ``NotFoundError`` for an unknown session.
    """
    with session_scope(settings.resolved_database_url) as db:
        get_session(session=db, session_id=session_id)
        public = publish_agenda_and_materials(session=db, session_id=session_id)
    log.info("%s: agenda and materials public (%d); rebuilding the site", session_id, public)
    rebuild_site(
        settings=settings, recording_for=recording_for, site_url=site_url, changed={session_id}
    )
    return public


def site_page(settings: Settings, assembly: str, session_id: str) -> Path:
    """Where a published session's page lies in the generated site."""
    return settings.resolved_site_dir / assembly / session_id / "index.html"
