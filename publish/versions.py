"""Publishing: a version of the minutes frozen as JSON, identified by its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass

from kuvend.errors import ConflictError
from kuvend.minutes import Minutes, sha256_text


@dataclass(frozen=True, slots=True)
class FrozenVersion:
    """Published minutes: the exact JSON text that is served, and its hash."""

    minutes: Minutes
    json_text: str
    sha256: str


def freeze(minutes: Minutes, *, version: int) -> FrozenVersion:
    """The minutes as published version ``version``: status ``published``, JSON and hash."""
    session = minutes.session.model_copy(update={"status": "published", "version": version})
    published = minutes.model_copy(update={"session": session})
    json_text = published.to_json()
    return FrozenVersion(published, json_text, sha256_text(json_text))


def require_published(minutes: Minutes) -> Minutes:
    """``minutes`` if published; a draft raises ``ConflictError`` (drafts are never public)."""
    if minutes.session.status != "published" or minutes.session.version is None:
        raise ConflictError(
            f"session {minutes.session.id} is a draft: only published versions go on public pages"
        )
    return minutes
