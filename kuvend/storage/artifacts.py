"""A stage's finished results, keyed so that a re-run or a redelivered task finds its work done.

An artifact is keyed by session, chunk, stage and a hash of the options that made it, and saving
one that exists is refused by the primary key. That key is what lets a redelivered Celery task
find its work done: ``save_artifact`` in the same transaction as the stage's rows makes the two
atomic, and a concurrent duplicate loses on the key and rolls back its rows with it. Claims
(a session-wide step run once) are artifacts too.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``kuvend.storage.db.session_scope``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuvend.storage.tables import (
    ArtifactRow,
)


def _plain(value: object) -> object:
    # json.dumps calls this for what it cannot write itself; dataclasses nest (asdict recurses).
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def options_hash(options: object) -> str:
    """A short, stable hash of what shaped a stage's result: options dataclasses, model names,
    versions, in any nesting of tuples, lists and mappings."""
    canonical = json.dumps(
        _plain(options) if dataclasses.is_dataclass(options) else options,
        sort_keys=True,
        default=_plain,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _json_scalar(value: object) -> object:
    # Numeric code hands over numpy scalars (np.float32, np.bool) that json cannot write.
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def artifact_key(session_id: str, chunk_index: int | None, stage: str, options: object) -> str:
    """The key of a stage's result: session, chunk (``-`` for session-wide), stage, options."""
    chunk = "-" if chunk_index is None else str(chunk_index)
    return f"{session_id}:{chunk}:{stage}:{options_hash(options)}"


def load_artifact(*, session: Session, key: str) -> dict[str, Any] | None:
    """The payload saved under ``key``, or None if the stage has not finished it."""
    row = session.get(ArtifactRow, key)
    return None if row is None else row.payload


def save_artifact(
    *, session: Session, key: str, session_id: str | None, payload: Mapping[str, Any]
) -> bool:
    """Record a finished stage; False (and nothing written) if ``key`` was already recorded.

    Runs in a savepoint, so that losing the race on the key leaves the caller's transaction
    usable: the caller then rolls back (or skips) the rows it meant to save with it.
    """
    plain = json.loads(json.dumps(payload, default=_json_scalar))
    try:
        with session.begin_nested():
            session.add(ArtifactRow(key=key, session_id=session_id, payload=plain))
    except IntegrityError:
        return False
    return True


def delete_artifacts(*, session: Session, session_id: str, stage: str | None = None) -> int:
    """Forget a session's artifacts (of one stage, or all), so that the stages run again."""
    query = delete(ArtifactRow).where(ArtifactRow.session_id == session_id)
    if stage is not None:
        query = query.where(ArtifactRow.key.like(f"%:{stage}:%"))
    return session.execute(query).rowcount  # type: ignore[attr-defined, no-any-return]


def claim_once(*, session: Session, session_id: str, name: str, owner: str) -> bool:
    """True for the one ``owner`` that claims ``name`` for this session, and for it again later.

    Used so that a session-wide step enqueued twice (two last chunks finishing together) runs
    once, while the same task redelivered after a crash (same owner, the Celery task id) may
    carry on. The claim is an artifact, so it is atomic on both SQLite and PostgreSQL.
    """
    key = f"{session_id}:-:claim:{name}"
    if save_artifact(session=session, key=key, session_id=session_id, payload={"owner": owner}):
        session.flush()
        return True
    existing = load_artifact(session=session, key=key)
    return existing is not None and existing.get("owner") == owner
