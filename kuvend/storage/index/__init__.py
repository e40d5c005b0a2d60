"""Search index backends behind ``kuvend.search.SearchIndex``: SQLite FTS5 and OpenSearch."""

from __future__ import annotations

from pathlib import Path

from kuvend.config import Settings
from kuvend.search import SearchIndex
from kuvend.storage.index.sqlite_fts import SqliteFtsIndex

__all__ = ["SqliteFtsIndex", "open_index", "sqlite_index_path"]


def sqlite_index_path(settings: Settings) -> Path:
    """Where the embedded index lives: beside a SQLite database (``kuvend.db`` →
    ``kuvend.search.db``), else ``data_dir/search.db``."""
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        return database.with_name(f"{database.stem}.search.db")
    return settings.data_dir / "search.db"


def open_index(settings: Settings) -> SearchIndex:
    """The index the settings choose (``KUVEND_SEARCH_BACKEND``)."""
    if settings.search_backend == "opensearch":
        from kuvend.storage.index.opensearch import OpenSearchIndex  # the client only at scale

        return OpenSearchIndex.from_settings(settings)
    return SqliteFtsIndex(sqlite_index_path(settings))
