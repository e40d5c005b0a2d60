"""Restoring the record and rebuilding what a backup leaves out: the search index.

The copying itself is the core's (:mod:`kuvend.storage.backup`); the index is rebuilt from the
restored database, published versions first, then drafts, exactly as ``kuvend reindex`` does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kuvend.config import Settings
from kuvend.errors import ConflictError
from kuvend.minutes import thaw
from kuvend.progress import StepProgress
from kuvend.storage import backup
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import open_index
from kuvend.storage.publications import latest_published
from kuvend.storage.tables import SessionRow
from kuvend.types import StageHook, no_hook
from publish.review import load_draft_minutes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexCounts:
    """What a rebuild indexed: segments, published sessions and drafts."""

    segments: int
    published: int
    drafts: int


@dataclass(frozen=True, slots=True)
class Restored:
    """A restore: what was copied and what was indexed."""

    copied: backup.BackupSummary
    indexed: IndexCounts


def rebuild_index(settings: Settings, *, hook: StageHook = no_hook) -> IndexCounts:
    """Empty the search index and index every session again from the database: the latest
    published version of each published session, then every draft.

    A stored version that no longer matches its hash is logged and left out (one bad version
    never keeps the others out of the index). ``hook`` gets
    ``StepProgress("index", sessions done, sessions total)``.
    """
    migrate(settings.resolved_database_url)
    index = open_index(settings)
    index.clear()
    segments = published = 0
    with session_scope(settings.resolved_database_url) as db:
        records = latest_published(session=db)
        drafts = list(db.scalars(select(SessionRow.id).where(SessionRow.status == "draft")))
        total = len(records) + len(drafts)
        for done, record in enumerate(records, start=1):
            try:
                segments += index.index_minutes(thaw(record.minutes_json, record.sha256))
                published += 1
            except ConflictError as error:
                log.warning("session %s not indexed: %s", record.session_id, error)
            hook("index", StepProgress("index", done, total, "sessions"))
        for done, session_id in enumerate(drafts, start=len(records) + 1):
            segments += index.index_minutes(load_draft_minutes(session=db, session_id=session_id))
            hook("index", StepProgress("index", done, total, "sessions"))
    return IndexCounts(segments, published, len(drafts))


def restore_record(settings: Settings, source: Path, *, hook: StageHook = no_hook) -> Restored:
    """Restore the backup in ``source`` into the empty data folder of ``settings`` (see
    :func:`kuvend.storage.backup.restore`), then rebuild the search index from it."""
    copied = backup.restore(settings, source, hook=hook)
    return Restored(copied, rebuild_index(settings, hook=hook))
