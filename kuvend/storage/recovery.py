"""Sessions whose process died: who owns a session, its heartbeat, and recovery at start-up.

``kuvend process`` records itself as the owner of its session (host name, process id) and
beats a heartbeat while it works. At the start of every ``kuvend`` command and worker,
:func:`recover_abandoned` finds sessions still ``queued`` or ``processing`` whose owner is gone:
a process on this host that no longer exists (at once, no waiting), or an owner elsewhere
whose heartbeat is older than :data:`STALE_AFTER_S`. Each is marked failed with the reason,
leaves the search index (:func:`unindex_failed`) and, for a file session, its working folder
(chunks, player audio) is removed (the original stays in the media store, so processing it
again loses nothing; a live recording's chunks are its only copy and stay).
Resuming from the stored artifacts is left to the embedded API's own recovery
(``workers.actions``) and to Celery's redelivery, which own those sessions.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from kuvend.storage.tables import SessionRow

log = logging.getLogger(__name__)

#: Seconds between two heartbeats of a working process.
HEARTBEAT_S = 30.0
#: A heartbeat older than this (seconds) means an owner on another host is gone.
STALE_AFTER_S = 600.0
_UNFINISHED = ("queued", "processing")


def sessions_root(settings: Settings) -> Path:
    """The folder holding every session's working folder."""
    return settings.data_dir / "sessions"


def session_dir(settings: Settings, session_id: str) -> Path:
    """Private working folder of a session (chunks, player audio, draft outputs)."""
    return sessions_root(settings) / session_id


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True


def claim(settings: Settings, session_id: str) -> None:
    """Record this process as the session's owner, with a first heartbeat."""
    with session_scope(settings.resolved_database_url) as db:
        db.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id)
            .values(
                owner_host=socket.gethostname(),
                owner_pid=os.getpid(),
                heartbeat_at=datetime.now(UTC),
            )
        )


class Heartbeat:
    """Call it often; it writes the session's heartbeat at most every :data:`HEARTBEAT_S`."""

    def __init__(self, settings: Settings, session_id: str) -> None:
        self._settings = settings
        self._session_id = session_id
        self._last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self._last < HEARTBEAT_S:
            return
        self._last = time.monotonic()
        with session_scope(self._settings.resolved_database_url) as db:
            db.execute(
                update(SessionRow)
                .where(SessionRow.id == self._session_id)
                .values(heartbeat_at=datetime.now(UTC))
            )


def _abandoned(row: SessionRow, host: str, now: datetime) -> str | None:
    """Why the session's owner is gone, or ``None`` while it may still be working."""
    if row.owner_pid is None:
        return None
    if row.owner_host == host:
        if pid_alive(row.owner_pid) and row.owner_pid != os.getpid():
            return None
        return f"the process working on it (pid {row.owner_pid}) stopped before it finished"
    beat = row.heartbeat_at
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    if beat is None or now - beat > timedelta(seconds=STALE_AFTER_S):
        return f"its process on {row.owner_host} has not been heard from since {beat}"
    return None


def recover_abandoned(settings: Settings) -> list[str]:
    """Mark failed every unfinished session whose owner is gone; remove a file session's
    working folder.

    Returns the ids of the sessions recovered.
    """
    host, now = socket.gethostname(), datetime.now(UTC)
    recovered: list[str] = []
    removable: list[str] = []
    with session_scope(settings.resolved_database_url) as db:
        rows = db.scalars(
            select(SessionRow).where(
                SessionRow.status.in_(_UNFINISHED), SessionRow.owner_pid.is_not(None)
            )
        ).all()
        for row in rows:
            reason = _abandoned(row, host, now)
            if reason is None:
                continue
            row.status = "failed"
            row.error = f"{reason}; run kuvend process again"
            row.owner_pid = None
            recovered.append(row.id)
            if row.media_path:  # a live recording's chunks are its only copy: kept
                removable.append(row.id)
            log.warning("session %s marked failed: %s", row.id, reason)
    for session_id in removable:
        # Chunks, player audio, draft: all made from the stored file, all made again.
        shutil.rmtree(session_dir(settings, session_id), ignore_errors=True)
    for session_id in recovered:
        unindex_failed(settings, session_id)
    return recovered


def unindex_failed(settings: Settings, session_id: str) -> None:
    """Remove what the search index holds of a failed session that was never published.

    A run stopped after it indexed its draft (and before the draft was complete where it
    belongs) would otherwise stay searchable as a draft. Only for sessions that are the
    failed run's own (``kuvend process`` makes a new one each time): a published version is
    indexed under the same id. An index that cannot be reached is logged, not raised: the
    failure being recorded matters more.
    """
    try:
        removed = open_index(settings).remove_session(session_id)
    except Exception as error:  # any backend's failure; the session is failed already
        log.warning("session %s: could not remove it from the search index: %s", session_id, error)
        return
    if removed:
        log.info("session %s: %d draft segments left the search index", session_id, removed)
