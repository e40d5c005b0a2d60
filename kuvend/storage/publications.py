"""Published versions, the webhooks told of them, and what the public site lists.

A published version is a frozen copy of the minutes' JSON with its SHA-256; publishing again
adds a version and keeps the earlier ones. The API and the site read the same definition of
"published" from here.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``session_scope``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.storage.tables import (
    AgendaItemRow,
    AssemblyRow,
    MaterialRow,
    PublishedVersionRow,
    SessionRow,
    WebhookRow,
    as_utc,
)


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """A frozen, published version of a session's minutes."""

    session_id: str
    assembly: str
    version: int
    sha256: str
    minutes_json: str
    published_by: str | None
    published_at: datetime


def next_version(*, session: Session, session_id: str) -> int:
    """The number the session's next published version will have (1, 2, …)."""
    latest = session.scalar(
        select(func.max(PublishedVersionRow.version)).where(
            PublishedVersionRow.session_id == session_id
        )
    )
    return (latest or 0) + 1


def save_published_version(
    *,
    session: Session,
    session_id: str,
    version: int,
    minutes_json: str,
    sha256: str,
    published_by: str | None,
    published_at: datetime | None = None,
) -> PublishedRecord:
    """Store a frozen version and mark the session published (earlier versions stay)."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    version_row = PublishedVersionRow(
        session_id=session_id,
        version=version,
        sha256=sha256,
        minutes_json=minutes_json,
        published_by=published_by,
        published_at=published_at or datetime.now(UTC),
    )
    session.add(version_row)
    row.status = "published"
    session.flush()
    return _record(version_row, row.assembly_slug)


def _record(row: PublishedVersionRow, assembly: str) -> PublishedRecord:
    return PublishedRecord(
        session_id=row.session_id,
        assembly=assembly,
        version=row.version,
        sha256=row.sha256,
        minutes_json=row.minutes_json,
        published_by=row.published_by,
        published_at=as_utc(row.published_at),
    )


def load_published_versions(*, session: Session, session_id: str) -> list[PublishedRecord]:
    """Every published version of a session, oldest first (empty for a draft)."""
    query = (
        select(PublishedVersionRow, SessionRow.assembly_slug)
        .join(SessionRow, SessionRow.id == PublishedVersionRow.session_id)
        .where(PublishedVersionRow.session_id == session_id)
        .order_by(PublishedVersionRow.version)
    )
    return [_record(row, assembly) for row, assembly in session.execute(query)]


def load_published(
    *, session: Session, session_id: str, version: int | None = None
) -> PublishedRecord:
    """One published version (the latest by default); a draft raises ``NotFoundError``."""
    versions = load_published_versions(session=session, session_id=session_id)
    chosen = [v for v in versions if version is None or v.version == version]
    if not chosen:
        raise NotFoundError(f"session {session_id} has no published version {version or ''}")
    return chosen[-1]


def latest_published(
    *,
    session: Session,
    assembly: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[PublishedRecord]:
    """The newest published version of every published session (of one assembly, held between
    ``date_from`` and ``date_to`` inclusive), newest first."""
    newest = (
        select(PublishedVersionRow.session_id, func.max(PublishedVersionRow.version).label("v"))
        .group_by(PublishedVersionRow.session_id)
        .subquery()
    )
    query = (
        select(PublishedVersionRow, SessionRow.assembly_slug)
        .join(
            newest,
            (newest.c.session_id == PublishedVersionRow.session_id)
            & (newest.c.v == PublishedVersionRow.version),
        )
        .join(SessionRow, SessionRow.id == PublishedVersionRow.session_id)
        .order_by(SessionRow.date.desc(), PublishedVersionRow.published_at.desc())
    )
    if assembly is not None:
        query = query.where(SessionRow.assembly_slug == assembly)
    if date_from is not None:
        query = query.where(SessionRow.date >= date_from)
    if date_to is not None:
        query = query.where(SessionRow.date <= date_to)
    return [_record(row, slug) for row, slug in session.execute(query)]


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A journalist's endpoint notified of new publications, with the secret that signs them."""

    id: str
    assembly: str | None
    url: str
    secret: str


def register_webhook(*, session: Session, url: str, assembly: str | None) -> WebhookRecord:
    """Register ``url`` for an assembly's publications (all assemblies when ``None``).

    The secret is generated here and shown once to the caller, who checks each delivery's
    ``X-Kuvend-Signature`` with it.
    """
    if assembly is not None and session.get(AssemblyRow, assembly) is None:
        raise NotFoundError(f"no assembly {assembly}")
    row = WebhookRow(assembly_slug=assembly, url=url, secret=secrets.token_urlsafe(32))
    session.add(row)
    session.flush()
    return WebhookRecord(row.id, row.assembly_slug, row.url, row.secret)


def webhooks_for(*, session: Session, assembly: str) -> list[WebhookRecord]:
    """Active webhooks to notify of a publication in ``assembly``."""
    rows = session.scalars(
        select(WebhookRow).where(
            WebhookRow.active.is_(True),
            (WebhookRow.assembly_slug == assembly) | WebhookRow.assembly_slug.is_(None),
        )
    )
    return [WebhookRecord(row.id, row.assembly_slug, row.url, row.secret) for row in rows]


@dataclass(frozen=True, slots=True)
class PublicAssembly:
    """An assembly as the public site names it (``name_sr`` on Serbian pages, when given)."""

    slug: str
    name: str
    name_sr: str | None = None


def public_assemblies(*, session: Session) -> list[PublicAssembly]:
    """Every assembly, by name (the site lists them even before their first publication)."""
    rows = session.scalars(select(AssemblyRow).order_by(AssemblyRow.name))
    return [PublicAssembly(row.slug, row.name, row.name_sr) for row in rows]


@dataclass(frozen=True, slots=True)
class AnnouncedSession:
    """A session with no published minutes whose agenda or materials are public."""

    id: str
    title: str
    date: str


def announced_sessions(*, session: Session, assembly: str) -> list[AnnouncedSession]:
    """Sessions of ``assembly`` announced ahead: public agenda or materials, no minutes yet."""
    published = select(PublishedVersionRow.session_id)
    public_agenda = select(AgendaItemRow.session_id).where(AgendaItemRow.published.is_(True))
    public_material = select(MaterialRow.session_id).where(MaterialRow.published.is_(True))
    rows = session.scalars(
        select(SessionRow)
        .where(
            SessionRow.assembly_slug == assembly,
            SessionRow.id.not_in(published),
            SessionRow.id.in_(public_agenda) | SessionRow.id.in_(public_material),
        )
        .order_by(SessionRow.date)
    )
    return [AnnouncedSession(row.id, row.title, row.date.isoformat()) for row in rows]
