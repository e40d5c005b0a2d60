"""A session's media report: what ingest was asked (the audio stream, whether to accept a
truncated file) and what it found (every audio stream, truncation), kept for the minutes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.storage.tables import SessionRow


def update_media_report(*, session: Session, session_id: str, values: Mapping[str, Any]) -> None:
    """Merge ``values`` (JSON-ready) into the session's media report."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    row.media_report = {**(row.media_report or {}), **values}
    session.flush()


def load_media_report(*, session: Session, session_id: str) -> dict[str, Any]:
    """The session's media report (empty when ingest has stored none)."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    return dict(row.media_report or {})
