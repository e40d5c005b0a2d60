"""Keeping the search index's copy of a draft up to date with the secretariat's corrections.

Indexing a three-hour draft means reading and indexing thousands of segments; the browser
editor saves a line at a time and must answer at once. So its saves ask for the draft to be
indexed in the background: one thread, which waits for ``QUIET_S`` without a new save (at most
``LATEST_S`` after the first one) so that a clerk's run of corrections is indexed once, from the
draft as it is then, rather than competing with every save for the CPU.
"""

from __future__ import annotations

import logging
import threading
import time

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from publish.review import load_draft_minutes

log = logging.getLogger(__name__)

#: Seconds without a save before a session's draft is indexed ...
QUIET_S = 2.0
#: ... but no later than this many seconds after the first save not yet indexed.
LATEST_S = 20.0


def index_draft(settings: Settings, session_id: str) -> None:
    """Index the session's whole current draft now."""
    with session_scope(settings.resolved_database_url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
    open_index(settings).index_minutes(draft)


class DraftIndexer:
    """Indexes drafts on a background thread, each requested session once per burst."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pending: dict[str, tuple[float, float]] = {}  # session: (first, last) request
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="draft-indexer", daemon=True)
        self._thread.start()

    def request(self, session_id: str) -> None:
        """Have the session's draft indexed soon (once, however many requests come first)."""
        now = time.monotonic()
        with self._wake:
            first, _ = self._pending.get(session_id, (now, now))
            self._pending[session_id] = (first, now)
            self._wake.notify()

    def _due(self, now: float) -> tuple[str | None, float]:
        """A session due for indexing, else None and how long to wait for the next one."""
        wait = QUIET_S
        for session_id, (first, last) in self._pending.items():
            due = min(last + QUIET_S, first + LATEST_S)
            if due <= now:
                return session_id, 0.0
            wait = min(wait, due - now)
        return None, wait

    def _run(self) -> None:
        while True:
            with self._wake:
                session_id, wait = self._due(time.monotonic())
                while session_id is None:
                    self._wake.wait(timeout=wait if self._pending else None)
                    session_id, wait = self._due(time.monotonic())
                del self._pending[session_id]
            try:
                index_draft(self._settings, session_id)
            except Exception:  # a thread has no caller; the next save asks again
                log.exception("session %s: indexing the draft failed", session_id)
