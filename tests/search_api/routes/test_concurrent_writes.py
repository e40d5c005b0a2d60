"""Scheduling sessions while other writers commit: never "database is locked" (issue 16).

A route that reads and then writes in one deferred SQLite transaction fails at once when
another connection committed in between; the write routes take the lock first and wait.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import update

from kuvend.storage.db import session_scope
from kuvend.storage.tables import SessionRow
from tests.search_api.conftest import Api


def test_scheduling_under_concurrent_writes_never_fails(api: Api) -> None:
    staff = api.headers("secretariat_a")
    stop = threading.Event()

    def other_writer() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            with session_scope(api.settings.resolved_database_url) as db:
                db.execute(
                    update(SessionRow)
                    .where(SessionRow.id == "pr-2024-draft")
                    .values(title=f"Seanca {number}")
                )

    def schedule(number: int) -> int:
        body = {"title": f"Seanca e planifikuar {number}", "date": "2024-10-01"}
        response = api.client.post(
            "/api/v1/assemblies/prishtine/sessions", json=body, headers=staff
        )
        return response.status_code

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(schedule, range(60)))
    finally:
        stop.set()
        writer.join()
    assert statuses == [201] * 60
