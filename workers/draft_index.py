"""Keeping the search index's copy of a draft up to date with the secretariat's corrections.

The browser editor saves a line at a time and must answer at once, so its saves ask for
indexing in the background: one thread, which waits for ``QUIET_S`` without a new save (at
most ``LATEST_S`` after the first one) and then indexes, in one go, what the run of saves
changed. A change to some segments (an edit, a split, a merge) re-indexes just those
segments (``SearchIndex.update_segments``: a few rows, milliseconds, whatever the length of
the session); a change that touches every segment's indexed fields (a speaker's name, the
agenda) re-indexes the whole draft, as does the first change to a draft not indexed yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from publish.review import load_draft_minutes

log = logging.getLogger(__name__)

#: Seconds without a save before a session's draft is indexed ...
QUIET_S = 1.0
#: ... but no later than this many seconds after the first save not yet indexed.
LATEST_S = 10.0


def index_draft(settings: Settings, session_id: str) -> None:
    """Index the session's whole current draft now."""
    with session_scope(settings.resolved_database_url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
    open_index(settings).index_minutes(draft)


def index_draft_segments(settings: Settings, session_id: str, segment_ids: Collection[str]) -> int:
    """Re-index just these segments of the session's draft (removed ones leave the index).

    Indexes the whole draft when the index has none of it yet; returns how many segments
    were indexed.
    """
    with session_scope(settings.resolved_database_url) as db:
        part = load_draft_minutes(session=db, session_id=session_id, only=sorted(segment_ids))
    index = open_index(settings)
    updated = index.update_segments(part, segment_ids)
    if updated is not None:
        return updated
    with session_scope(settings.resolved_database_url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
    return index.index_minutes(draft)


@dataclass
class _Pending:
    first: float
    last: float
    segment_ids: set[str] | None = field(default_factory=set)
    """None: the whole draft."""


class DraftIndexer:
    """Indexes drafts on a background thread, each requested session once per burst."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pending: dict[str, _Pending] = {}
        self._busy = False  # indexing what it took off ``_pending``
        self._hurry = 0  # callers of ``flush`` waiting: index without waiting for quiet
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="draft-indexer", daemon=True)
        self._thread.start()

    def request(self, session_id: str, segment_ids: Collection[str] | None = None) -> None:
        """Have these segments of the session's draft (None: all of it) indexed soon."""
        now = time.monotonic()
        with self._wake:
            pending = self._pending.setdefault(session_id, _Pending(now, now))
            pending.last = now
            if segment_ids is None or pending.segment_ids is None:
                pending.segment_ids = None
            else:
                pending.segment_ids.update(segment_ids)
            self._wake.notify_all()

    def flush(self, timeout_s: float = 60.0) -> bool:
        """Index everything requested so far now; False if that took over ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._wake:
            self._hurry += 1
            self._wake.notify_all()
            try:
                while self._pending or self._busy:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._wake.wait(timeout=left):
                        return not (self._pending or self._busy)
            finally:
                self._hurry -= 1
        return True

    def _due(self, now: float) -> tuple[str | None, float]:
        """A session due for indexing, else None and how long to wait for the next one."""
        wait = QUIET_S
        for session_id, pending in self._pending.items():
            due = min(pending.last + QUIET_S, pending.first + LATEST_S)
            if due <= now or self._hurry:
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
                segment_ids = self._pending.pop(session_id).segment_ids
                self._busy = True
            try:
                if segment_ids is None:
                    index_draft(self._settings, session_id)
                elif segment_ids:
                    index_draft_segments(self._settings, session_id, segment_ids)
            except Exception:  # a thread has no caller; the next save asks again
                log.exception("session %s: indexing the draft failed", session_id)
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()
