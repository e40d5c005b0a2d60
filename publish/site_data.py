"""Reading what the public site may show from the database: published versions only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuvend.errors import ConflictError
from kuvend.minutes import thaw
from kuvend.storage.agenda import MaterialRecord, load_agenda, load_materials
from kuvend.storage.publications import (
    announced_sessions,
    latest_published,
    load_published_versions,
    public_assemblies,
)
from publish.site import Attachment, SiteAssembly, SiteSession, SiteVersion, UpcomingSession

log = logging.getLogger(__name__)

#: Where a session's recording for the player is, if it has one.
RecordingFor = Callable[[str], Path | None]
#: Where a material's file is (the media store's path for its hash).
MaterialPath = Callable[[MaterialRecord], Path]


def public_content(
    *, session: Session, recording_for: RecordingFor, material_path: MaterialPath
) -> list[SiteAssembly]:
    """Every assembly's published sessions (all versions) and announced sessions.

    Drafts never appear: sessions come from the published versions' table, and each version
    is read back from its frozen JSON, checked against its hash.
    """
    assemblies = []
    for assembly in public_assemblies(session=session):
        sessions = []
        for latest in latest_published(session=session, assembly=assembly.slug):
            versions = _readable_versions(session, latest.session_id)
            if versions:
                sessions.append(
                    SiteSession(
                        versions=versions,
                        recording=recording_for(latest.session_id),
                        materials=_materials(session, latest.session_id, material_path),
                    )
                )
        upcoming = [
            UpcomingSession(
                id=announced.id,
                title=announced.title,
                date=announced.date,
                agenda=[
                    entry.title
                    for entry in load_agenda(
                        session=session, session_id=announced.id, published_only=True
                    )
                ],
                materials=_materials(session, announced.id, material_path),
            )
            for announced in announced_sessions(session=session, assembly=assembly.slug)
        ]
        assemblies.append(
            SiteAssembly(assembly.slug, assembly.name, sessions, upcoming, assembly.name_sr)
        )
    return assemblies


def _readable_versions(session: Session, session_id: str) -> list[SiteVersion]:
    """The session's versions that read back and match their hash; others are logged, left out."""
    versions = []
    for record in load_published_versions(session=session, session_id=session_id):
        try:
            minutes = thaw(record.minutes_json, record.sha256)
        except (ConflictError, ValidationError) as error:
            log.error("%s v%d is left off the site: %s", session_id, record.version, error)
            continue
        versions.append(SiteVersion(minutes, record.sha256, record.published_at))
    return versions


def _materials(session: Session, session_id: str, material_path: MaterialPath) -> list[Attachment]:
    return [
        Attachment(record.title, material_path(record))
        for record in load_materials(session=session, session_id=session_id, published_only=True)
    ]
