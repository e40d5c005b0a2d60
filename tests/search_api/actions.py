"""``SessionActions`` for the API tests, built from the real stage functions.

Publishing is what the orchestration does: load the working copy from storage, build the
minutes with ``publish.build_minutes`` (statistics included), store a new
``PublishedVersionRow`` and index it. Recording cannot be exercised in an authorization test
(it needs a live stream and minutes of ffmpeg), so ``start_recording``/``stop_recording`` only
note the request: they are fakes, and say so; issue 5's tests cover recording itself.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from kuvend.config import Settings
from kuvend.search import SearchIndex
from kuvend.storage import repository
from kuvend.storage.db import session_scope
from kuvend.storage.tables import PublishedVersionRow
from publish import build_minutes


class PublishingActions:
    """Publishes for real; records recording requests (fake) in ``recordings``."""

    def __init__(self, settings: Settings, index: SearchIndex) -> None:
        self.settings = settings
        self.index = index
        self.recordings: list[tuple[str, str | None]] = []

    def publish(self, *, session_id: str, user_id: str) -> int:
        with session_scope(self.settings.resolved_database_url) as db:
            info = repository.load_session_info(session=db, session_id=session_id)
            row = repository.get_session(session=db, session_id=session_id)
            members = {m.id: m for m in repository.load_members(session=db, assembly=info.assembly)}
            speakers = {
                s.label: members.get(s.member_id or "")
                for s in repository.load_speakers(session=db, session_id=session_id)
            }
            latest = db.scalar(
                select(func.max(PublishedVersionRow.version)).where(
                    PublishedVersionRow.session_id == session_id
                )
            )
            version = int(latest or 0) + 1
            minutes = build_minutes(
                info,
                repository.load_segments(session=db, session_id=session_id),
                speakers=speakers,
                duration_s=row.duration_s,
                status="published",
                version=version,
            )
            text = minutes.to_json()
            db.add(
                PublishedVersionRow(
                    session_id=session_id,
                    version=version,
                    sha256=hashlib.sha256(text.encode()).hexdigest(),
                    minutes_json=text,
                    published_by=user_id,
                )
            )
            row.status = "published"
        self.index.index_minutes(minutes)
        return version

    def start_recording(self, *, session_id: str, stream_url: str) -> None:
        self.recordings.append((session_id, stream_url))

    def stop_recording(self, *, session_id: str) -> None:
        self.recordings.append((session_id, None))
