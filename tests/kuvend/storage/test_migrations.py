"""Schema migrations on SQLite and PostgreSQL: a database of the previous revision is upgraded
with its rows kept, and the newest revision goes down again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from kuvend.storage.db import MIGRATIONS_DIR, get_engine, migrate, session_scope
from kuvend.storage.sessions import add_assembly, list_assemblies

BEFORE_SERBIAN_NAME = "a41c9e07d2b5"


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = get_engine(url)
    return config


@pytest.fixture
def previous_schema(database_url: str) -> Iterator[str]:
    """``database_url`` at the revision before assemblies' Serbian names; at head afterwards
    (the PostgreSQL database is shared by the run)."""
    command.downgrade(_config(database_url), BEFORE_SERBIAN_NAME)
    yield database_url
    migrate(database_url)


def test_an_assembly_keeps_its_name_and_gets_no_serbian_one(previous_schema: str) -> None:
    url = previous_schema
    with get_engine(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO assemblies (slug, name, languages, serbian_script, vocabulary, "
                "learn_voiceprints, created_at) VALUES ('prishtine', 'Prishtinë', '[\"sq\"]', "
                "'latin', '[]', false, CURRENT_TIMESTAMP)"
            )
        )
    migrate(url)
    with session_scope(url) as db:
        [row] = list_assemblies(session=db)
        assert (row.slug, row.name, row.name_sr) == ("prishtine", "Prishtinë", None)
        add_assembly(session=db, slug="zvecan", name="Zveçan", name_sr="Zvečan")
    command.downgrade(_config(url), BEFORE_SERBIAN_NAME)  # the Serbian names go, rows stay
    with get_engine(url).connect() as connection:
        names = connection.execute(text("SELECT slug, name FROM assemblies ORDER BY slug")).all()
    assert [tuple(name) for name in names] == [("prishtine", "Prishtinë"), ("zvecan", "Zveçan")]
