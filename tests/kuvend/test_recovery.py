"""Sessions whose process died are found at start-up and failed, their chunks removed and
their drafts out of the search index."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, date, datetime, timedelta

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from kuvend.storage.recovery import recover_abandoned, session_dir
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import SessionRow
from tests.publish.factories import sample_minutes


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_sessions_of_dead_owners_fail_and_lose_their_chunks(
    settings: Settings, database_url: str
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    here, now = socket.gethostname(), datetime.now(UTC)
    owners = {
        "dead-here": (here, _dead_pid(), now, "processing"),
        "alive-here": (here, os.getppid(), now, "processing"),
        "stale-elsewhere": ("other-host", 1, now - timedelta(hours=1), "queued"),
        "fresh-elsewhere": ("other-host", 1, now, "processing"),
        "done": (here, _dead_pid(), now, "draft"),
        "live-dead": (here, _dead_pid(), now, "processing"),
    }
    with session_scope(settings.resolved_database_url) as db:
        for session_id, (host, pid, beat, status) in owners.items():
            create_session(
                session=db,
                assembly="prishtine",
                title=session_id,
                date=date(2024, 5, 1),
                status=status,  # type: ignore[arg-type]
                session_id=session_id,
            )
            db.flush()
            row = db.get(SessionRow, session_id)
            assert row is not None
            row.owner_host, row.owner_pid, row.heartbeat_at = host, pid, beat
            row.media_path = None if session_id == "live-dead" else "/media/original.wav"
            (session_dir(settings, session_id) / "chunks").mkdir(parents=True)
            (session_dir(settings, session_id) / "audio.m4a").write_bytes(b"player")

    # The dead run had indexed its draft before it died; the finished one is a draft to keep.
    index = open_index(settings)
    for session_id in ("dead-here", "done"):
        minutes = sample_minutes()
        index.index_minutes(
            minutes.model_copy(
                update={"session": minutes.session.model_copy(update={"id": session_id})}
            )
        )

    assert sorted(recover_abandoned(settings)) == ["dead-here", "live-dead", "stale-elsewhere"]
    assert index.remove_session("dead-here") == 0  # gone already: not searchable as a draft
    assert index.remove_session("done") == len(sample_minutes().segments)
    with session_scope(settings.resolved_database_url) as db:
        states = {row.id: (row.status, row.error) for row in db.query(SessionRow)}
    assert states["dead-here"][0] == "failed" and "stopped" in (states["dead-here"][1] or "")
    assert states["stale-elsewhere"][0] == "failed"
    assert states["alive-here"][0] == states["fresh-elsewhere"][0] == "processing"
    assert states["done"][0] == "draft" and states["live-dead"][0] == "failed"
    for session_id in owners:
        kept = session_id not in ("dead-here", "stale-elsewhere")
        assert (session_dir(settings, session_id) / "chunks").exists() == kept
        assert (session_dir(settings, session_id) / "audio.m4a").exists() == kept
    assert recover_abandoned(settings) == []
