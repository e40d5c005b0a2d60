"""A session's progress through the API (issue 6): what the pipeline wrote, for its secretariat.

The states are written with the repository functions the Celery tasks and the API's
background thread use; the endpoint must show them as they are, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kuvend.domain import AudioChunk
from kuvend.storage.chunks import save_chunks, set_chunk_state
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import create_session, set_session_status
from tests.search_api.conftest import Api


def test_progress_shows_each_chunk_and_the_error_of_a_failed_session(api: Api) -> None:
    with session_scope(api.settings.resolved_database_url) as db:
        row = create_session(
            session=db, assembly="prishtine", title="Seanca", date=date(2024, 6, 3)
        )
        session_id = row.id
        chunks = [AudioChunk(i, Path(f"/chunks/{i}.wav"), 30.0 * i, 30.0) for i in range(3)]
        save_chunks(session=db, session_id=session_id, chunks=chunks)
        set_session_status(session=db, session_id=session_id, status="processing")
        set_chunk_state(session=db, session_id=session_id, index=0, state="done")
        for _ in range(2):  # redelivered once: two attempts at transcription
            set_chunk_state(
                session=db, session_id=session_id, index=1, state="running", stage="transcribe"
            )
    url = f"/api/v1/sessions/{session_id}/progress"
    headers = api.headers("secretariat_a")

    progress = api.client.get(url, headers=headers).json()
    assert progress["status"] == "processing" and not progress["finished"]
    assert (progress["chunks_done"], progress["chunk_count"]) == (1, 3)
    assert [(c["index"], c["state"], c["stage"], c["attempts"]) for c in progress["chunks"]] == [
        (0, "done", None, 0),
        (1, "running", "transcribe", 2),
        (2, "queued", None, 0),
    ]

    error = "chunk 1 stopped its worker 3 times during transcribe"
    with session_scope(api.settings.resolved_database_url) as db:
        set_chunk_state(
            session=db, session_id=session_id, index=1, state="failed", stage="transcribe",
            error=error,
        )  # fmt: skip
        set_session_status(session=db, session_id=session_id, status="failed", error=error)
    failed = api.client.get(url, headers=headers).json()
    assert (failed["status"], failed["error"], failed["finished"]) == ("failed", error, True)
    assert failed["chunks"][1]["error"] == error

    # Only the secretariat of the session's assembly follows it; others learn nothing.
    assert api.client.get(url, headers=api.headers("secretariat_b")).status_code == 404
    assert api.client.get(url).status_code == 401
