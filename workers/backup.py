"""Restoring the record and rebuilding what a backup leaves out: the search index.

The copying itself is the core's (:mod:`kuvend.storage.backup`); the index is rebuilt from the
restored database, published versions first, then drafts, exactly as ``kuvend reindex`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kuvend.config import Settings
from kuvend.progress import StepProgress
from kuvend.storage import backup
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.tables import SessionRow
from kuvend.types import StageHook, no_hook
from publish.review import load_draft_minutes
from search_api import crud
from search_api.index import open_index


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
    """Empty the search index and index every session again from the database.

    ``hook`` gets ``StepProgress("index", sessions done, sessions total)``.
    """
    migrate(settings.resolved_database_url)
    index = open_index(settings)
    index.clear()
    segments = 0
    with session_scope(settings.resolved_database_url) as db:
        published = crud.latest_published(session=db, assembly=None, date_from=None, date_to=None)
        drafts = list(db.scalars(select(SessionRow.id).where(SessionRow.status == "draft")))
        total = len(published) + len(drafts)
        for done, minutes in enumerate(published, start=1):
            segments += index.index_minutes(minutes)
            hook("index", StepProgress("index", done, total, "sessions"))
        for done, session_id in enumerate(drafts, start=len(published) + 1):
            segments += index.index_minutes(load_draft_minutes(session=db, session_id=session_id))
            hook("index", StepProgress("index", done, total, "sessions"))
    return IndexCounts(segments, len(published), len(drafts))


def restore_record(settings: Settings, source: Path, *, hook: StageHook = no_hook) -> Restored:
    """Restore the backup in ``source`` into the empty data folder of ``settings`` (see
    :func:`kuvend.storage.backup.restore`), then rebuild the search index from it."""
    copied = backup.restore(settings, source, hook=hook)
    return Restored(copied, rebuild_index(settings, hook=hook))
