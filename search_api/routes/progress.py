"""A session's processing progress, for the secretariat of its assembly.

The states are the ones the pipeline writes as it goes (``kuvend.storage.chunks``): the
Celery tasks at scale, the API's background thread or the live processor on the embedded
default. Nothing here computes progress; it reads what was written.
"""

from __future__ import annotations

from fastapi import APIRouter

from kuvend.storage.chunks import load_progress
from search_api import crud
from search_api.deps import SECRETARIAT_TAG, CallerDep, CurrentUser, SessionDep, require_staff_of
from search_api.routes.sessions import SessionId
from search_api.schemas.common import FORBIDDEN, NOT_FOUND
from search_api.schemas.processing import ChunkProgressPublic, ProgressPublic

router = APIRouter(tags=[SECRETARIAT_TAG])


@router.get(
    "/sessions/{session_id}/progress",
    summary="Processing progress",
    responses={**FORBIDDEN, **NOT_FOUND},
)
def session_progress(
    session: SessionDep, caller: CallerDep, _user: CurrentUser, session_id: SessionId
) -> ProgressPublic:
    """The session's status (with the error when it failed) and each chunk's state."""
    row = crud.get_session(session=session, staff=caller.staff, session_id=session_id)
    require_staff_of(caller, row.assembly_slug)
    progress = load_progress(session=session, session_id=session_id)
    return ProgressPublic(
        session_id=progress.session_id,
        status=progress.status,
        error=progress.error,
        finished=progress.finished,
        chunks_done=progress.chunks_done,
        chunk_count=len(progress.chunks),
        chunks=[
            ChunkProgressPublic(
                index=chunk.index,
                state=chunk.state,
                stage=chunk.stage,
                attempts=chunk.attempts,
                error=chunk.error,
            )
            for chunk in progress.chunks
        ],
    )
