"""Assemblies and sessions: creating them (and naming assemblies), their status, and the
session as the stages see it (metadata, the assembly's script, the gaps in its recording).

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``kuvend.storage.db.session_scope``). A session's gaps are replaced as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date as date_type
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kuvend.domain import Gap, SessionInfo
from kuvend.errors import ConflictError, NotFoundError
from kuvend.storage.tables import (
    AssemblyRow,
    GapRow,
    SessionRow,
)
from kuvend.types import LanguageCode, SerbianScript

SessionStatus = Literal[
    "scheduled", "recording", "stopping", "queued", "processing", "draft", "published", "failed"
]


def ensure_assembly(
    *,
    session: Session,
    slug: str,
    name: str | None = None,
    languages: Iterable[LanguageCode] = ("sq", "sr"),
) -> AssemblyRow:
    """The assembly ``slug``, created with ``name`` and ``languages`` if it does not exist."""
    row = session.get(AssemblyRow, slug)
    if row is None:
        row = AssemblyRow(slug=slug, name=name or slug, languages=list(languages))
        session.add(row)
        session.flush()
    return row


def list_assemblies(*, session: Session) -> list[AssemblyRow]:
    """Every assembly, by slug."""
    return list(session.scalars(select(AssemblyRow).order_by(AssemblyRow.slug)))


def add_assembly(
    *,
    session: Session,
    slug: str,
    name: str,
    name_sr: str | None = None,
    serbian_script: SerbianScript = "latin",
    languages: Iterable[LanguageCode] = ("sq", "sr"),
) -> AssemblyRow:
    """A new assembly ``slug`` named ``name`` (``name_sr`` on Serbian pages); ``ConflictError``
    when it exists (``rename_assembly`` renames it)."""
    if session.get(AssemblyRow, slug) is not None:
        raise ConflictError(f"assembly {slug!r} exists: kuvend assemblies rename changes its name")
    row = AssemblyRow(
        slug=slug,
        name=name,
        name_sr=name_sr,
        serbian_script=serbian_script,
        languages=list(languages),
    )
    session.add(row)
    session.flush()
    return row


def rename_assembly(
    *, session: Session, slug: str, name: str | None = None, name_sr: str | None = None
) -> AssemblyRow:
    """Give the assembly ``slug`` a new ``name`` and/or Serbian name (``None``: kept);
    ``NotFoundError`` naming the known assemblies when there is none such."""
    row = session.get(AssemblyRow, slug)
    if row is None:
        known = ", ".join(session.scalars(select(AssemblyRow.slug).order_by(AssemblyRow.slug)))
        raise NotFoundError(f"no assembly {slug!r} ({f'known: {known}' if known else 'none yet'})")
    if name is not None:
        row.name = name
    if name_sr is not None:
        row.name_sr = name_sr
    session.flush()
    return row


def create_session(
    *,
    session: Session,
    assembly: str,
    title: str,
    date: date_type,
    languages: Iterable[LanguageCode] = ("sq", "sr"),
    media_sha256: str | None = None,
    media_path: Path | None = None,
    status: SessionStatus = "queued",
    session_id: str | None = None,
) -> SessionRow:
    """A new session row (the assembly is created if it is unknown)."""
    languages = list(languages)
    ensure_assembly(session=session, slug=assembly, languages=languages)
    row = SessionRow(
        assembly_slug=assembly,
        title=title,
        date=date,
        languages=languages,
        media_sha256=media_sha256,
        media_path=None if media_path is None else str(media_path),
        status=status,
    )
    if session_id is not None:
        row.id = session_id
    session.add(row)
    session.flush()
    return row


def get_session(*, session: Session, session_id: str) -> SessionRow:
    """The session row; ``NotFoundError`` if there is none."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    return row


def load_session_info(*, session: Session, session_id: str) -> SessionInfo:
    """The session as the stages see it: metadata, the assembly's script, and its gaps."""
    row = get_session(session=session, session_id=session_id)
    assembly = session.get(AssemblyRow, row.assembly_slug)
    script = assembly.serbian_script if assembly is not None else "latin"
    return SessionInfo(
        id=row.id,
        assembly=row.assembly_slug,
        title=row.title,
        date=row.date,
        languages=tuple(row.languages),
        serbian_script="cyrillic" if script == "cyrillic" else "latin",
        gaps=tuple(load_gaps(session=session, session_id=session_id)),
    )


def set_session_status(
    *,
    session: Session,
    session_id: str,
    status: SessionStatus,
    error: str | None = None,
    duration_s: float | None = None,
) -> None:
    """Move a session to ``status``; ``error`` is kept (one line) when it fails."""
    row = get_session(session=session, session_id=session_id)
    row.status = status
    row.error = error
    if duration_s is not None:
        row.duration_s = duration_s
    session.flush()


def attach_media(*, session: Session, session_id: str, sha256: str, path: Path) -> None:
    """Give the session its recording: the original kept in the media store under ``sha256``."""
    row = get_session(session=session, session_id=session_id)
    row.media_sha256 = sha256
    row.media_path = str(path)
    session.flush()


def sessions_in(*, session: Session, statuses: Iterable[SessionStatus]) -> list[tuple[str, str]]:
    """(id, status) of every session in one of ``statuses``, oldest first."""
    rows = session.execute(
        select(SessionRow.id, SessionRow.status)
        .where(SessionRow.status.in_(list(statuses)))
        .order_by(SessionRow.created_at)
    )
    return [(session_id, status) for session_id, status in rows]


def replace_gaps(*, session: Session, session_id: str, gaps: Iterable[Gap]) -> int:
    """Replace the session's recorded gaps."""
    session.execute(delete(GapRow).where(GapRow.session_id == session_id))
    rows = [
        GapRow(session_id=session_id, start_s=g.start_s, end_s=g.end_s, reason=g.reason)
        for g in gaps
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def load_gaps(*, session: Session, session_id: str) -> list[Gap]:
    """The session's gaps in time order."""
    rows = session.scalars(
        select(GapRow).where(GapRow.session_id == session_id).order_by(GapRow.start_s)
    )
    return [Gap(start_s=r.start_s, end_s=r.end_s, reason=r.reason) for r in rows]
