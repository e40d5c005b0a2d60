"""Two registrations of one member at once, on PostgreSQL (where units of work run side by
side; SQLite's hold the whole database): the second must see the first and be refused."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from kuvend.errors import ConflictError
from kuvend.storage.db import session_scope
from kuvend.storage.members import refuse_a_second_member
from kuvend.storage.sessions import ensure_assembly
from kuvend.storage.tables import MemberRow


def test_two_registrations_of_one_person_at_once_make_one_member(postgres_url: str) -> None:
    with session_scope(postgres_url) as db:
        ensure_assembly(session=db, slug="prishtine")
    first_inserted, second_started = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def register(who: str, name: str) -> None:
        try:
            with session_scope(postgres_url) as db:
                if who == "second":
                    second_started.set()
                refuse_a_second_member(session=db, assembly="prishtine", name=name)
                db.add(MemberRow(assembly_slug="prishtine", name=name))
                db.flush()
                if who == "first":
                    # Still uncommitted: the second registration runs its check now.
                    first_inserted.set()
                    second_started.wait(10)
                    threading.Event().wait(0.5)
            outcome[who] = "registered"
        except ConflictError:
            outcome[who] = "refused"

    first = threading.Thread(target=register, args=("first", "Marko Jovanović"))
    first.start()
    assert first_inserted.wait(10)
    second = threading.Thread(target=register, args=("second", "Марко Јовановић"))
    second.start()
    first.join(20)
    second.join(20)

    assert outcome == {"first": "registered", "second": "refused"}
    with session_scope(postgres_url) as db:
        count = db.scalar(select(func.count()).select_from(MemberRow))
    assert count == 1
