"""``GET /health``: is the API up, can it reach its database and its index."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kuvend import __version__
from search_api.deps import IndexDep, SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    index: str
    version: str


@router.get("/health", summary="Liveness and dependencies")
def health(session: SessionDep, index: IndexDep) -> Health:
    """``ok`` when the database answers; ``degraded`` (still 200) when it does not."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as error:
        database = f"unreachable: {type(error).__name__}"
    status = "ok" if database == "ok" else "degraded"
    return Health(status=status, database=database, index=index.name, version=__version__)
