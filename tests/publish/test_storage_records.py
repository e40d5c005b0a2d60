"""Agenda before the session, materials, and webhook registration on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from kuvend.errors import NotFoundError
from kuvend.storage.agenda import (
    add_material,
    load_agenda,
    load_materials,
    publish_agenda_and_materials,
    save_planned_agenda,
)
from kuvend.storage.db import session_scope
from kuvend.storage.publications import announced_sessions, register_webhook, webhooks_for
from kuvend.storage.revisions import load_revisions
from kuvend.storage.sessions import create_session, ensure_assembly


def test_agenda_and_materials_are_public_only_once_published(database_url: str) -> None:
    with session_scope(database_url) as db:
        row = create_session(
            session=db, assembly="gjilan", title="Seanca e majit", date=date(2025, 5, 29),
            status="scheduled",
        )  # fmt: skip
        save_planned_agenda(
            session=db, session_id=row.id, titles=["Buxheti", "Transporti  publik"], user_id="u1"
        )
        material = add_material(
            session=db, session_id=row.id, title="Projekt-buxheti", filename="buxheti.pdf",
            sha256="a" * 64, content_type="application/pdf", size_bytes=1234, user_id="u1",
        )  # fmt: skip
        assert load_agenda(session=db, session_id=row.id, published_only=True) == []
        assert load_materials(session=db, session_id=row.id, published_only=True) == []
        assert announced_sessions(session=db, assembly="gjilan") == []
        publish_agenda_and_materials(session=db, session_id=row.id)
        agenda = load_agenda(session=db, session_id=row.id, published_only=True)
        public = load_materials(session=db, session_id=row.id, published_only=True)
        announced = announced_sessions(session=db, assembly="gjilan")
        actions = [r.action for r in load_revisions(session=db, session_id=row.id)]
    assert [(a.title, a.start_s) for a in agenda] == [
        ("Buxheti", None),
        ("Transporti publik", None),
    ]
    assert [m.id for m in public] == [material.id]
    assert public[0].filename == "buxheti.pdf"
    assert [a.title for a in announced] == ["Seanca e majit"]
    assert actions == ["set_agenda", "attach_material"]


def test_webhooks_are_registered_per_assembly(database_url: str) -> None:
    with session_scope(database_url) as db:
        ensure_assembly(session=db, slug="gjilan", name="Gjilan")
        ensure_assembly(session=db, slug="peje", name="Pejë")
        mine = register_webhook(session=db, url="https://news.example/hook", assembly="gjilan")
        every = register_webhook(session=db, url="https://wire.example/hook", assembly=None)
        with pytest.raises(NotFoundError):
            register_webhook(session=db, url="https://x.example/", assembly="nowhere")
        gjilan = webhooks_for(session=db, assembly="gjilan")
        peje = webhooks_for(session=db, assembly="peje")
    assert len(mine.secret) >= 32 and mine.secret != every.secret
    assert {w.url for w in gjilan} == {mine.url, every.url}
    assert [w.url for w in peje] == [every.url]
