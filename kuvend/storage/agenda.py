"""A session's agenda and materials (supporting documents), also before it is held.

Setting the agenda and attaching a material are revisions (``kuvend.storage.revisions``);
both stay private until published. Every function takes a keyword-only SQLAlchemy
``session`` and leaves committing to the caller (``session_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.storage.revisions import Revision, save_revision
from kuvend.storage.tables import (
    AgendaItemRow,
    MaterialRow,
    SessionRow,
)


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """An agenda item as citizens see it; ``start_s`` is known once the session was held."""

    title: str
    start_s: float | None
    published: bool


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    """A supporting document (PDF, DOCX) attached to a session, kept in the media store."""

    id: str
    session_id: str
    title: str
    filename: str
    sha256: str
    content_type: str
    size_bytes: int
    published: bool


def save_planned_agenda(
    *, session: Session, session_id: str, titles: list[str], user_id: str | None
) -> None:
    """Set the agenda of a session that has not been held yet (titles only, no times)."""
    before = [entry.title for entry in load_agenda(session=session, session_id=session_id)]
    after = [{"start": None, "title": " ".join(title.split())} for title in titles]
    save_revision(
        session=session,
        revision=Revision(
            session_id=session_id,
            action="set_agenda",
            user_id=user_id,
            created_at=datetime.now(UTC),
            segment_id=None,
            before={"agenda": [{"start": None, "title": title} for title in before]},
            after={"agenda": after},
        ),
    )


def load_agenda(
    *, session: Session, session_id: str, published_only: bool = False
) -> list[AgendaEntry]:
    """The session's agenda in order (only what was published, for the public)."""
    query = select(AgendaItemRow).where(AgendaItemRow.session_id == session_id)
    if published_only:
        query = query.where(AgendaItemRow.published.is_(True))
    rows = session.scalars(query.order_by(AgendaItemRow.position))
    return [AgendaEntry(row.title, row.start_s, row.published) for row in rows]


def add_material(
    *,
    session: Session,
    session_id: str,
    title: str,
    filename: str,
    sha256: str,
    content_type: str,
    size_bytes: int,
    user_id: str | None,
) -> MaterialRecord:
    """Attach a document already in the media store to a session (recorded as a revision)."""
    if session.get(SessionRow, session_id) is None:
        raise NotFoundError(f"no session {session_id}")
    row = MaterialRow(
        session_id=session_id,
        title=title,
        filename=filename,
        sha256=sha256,
        content_type=content_type,
        size_bytes=size_bytes,
    )
    session.add(row)
    session.flush()
    record = _material(row)
    save_revision(
        session=session,
        revision=Revision(
            session_id=session_id,
            action="attach_material",
            user_id=user_id,
            created_at=datetime.now(UTC),
            segment_id=None,
            after={"material": {"id": row.id, "title": title, "sha256": sha256}},
        ),
    )
    return record


def _material(row: MaterialRow) -> MaterialRecord:
    return MaterialRecord(
        id=row.id,
        session_id=row.session_id,
        title=row.title,
        filename=row.filename,
        sha256=row.sha256,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        published=row.published,
    )


def load_materials(
    *, session: Session, session_id: str, published_only: bool = False
) -> list[MaterialRecord]:
    """The session's materials in the order they were attached."""
    query = select(MaterialRow).where(MaterialRow.session_id == session_id)
    if published_only:
        query = query.where(MaterialRow.published.is_(True))
    return [_material(row) for row in session.scalars(query)]


def publish_agenda_and_materials(*, session: Session, session_id: str) -> int:
    """Make the session's agenda and materials public (also before it is held)."""
    agenda = session.execute(
        update(AgendaItemRow).where(AgendaItemRow.session_id == session_id).values(published=True)
    )
    materials = session.execute(
        update(MaterialRow).where(MaterialRow.session_id == session_id).values(published=True)
    )
    session.flush()
    return int(getattr(agenda, "rowcount", 0) or 0) + int(getattr(materials, "rowcount", 0) or 0)
