"""Schema migrations on SQLite and PostgreSQL: a database of an earlier revision is upgraded
with its rows kept, and the newer revisions go down again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from kuvend.domain import SpeakerTurn
from kuvend.storage.db import MIGRATIONS_DIR, get_engine, migrate, session_scope
from kuvend.storage.second_voices import load_second_voices, replace_second_voices
from kuvend.storage.segments import load_segments, replace_chunk_segments
from kuvend.storage.sessions import add_assembly, create_session, list_assemblies

BEFORE_SERBIAN_NAME = "a41c9e07d2b5"
BEFORE_SECOND_VOICES = "898af9e713b6"


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


BEFORE_OVERLAP = "f3a9c1e7b2d4"


@pytest.fixture
def before_overlap(database_url: str) -> Iterator[str]:
    """``database_url`` at the revision before segments' overlap; at head afterwards."""
    command.downgrade(_config(database_url), BEFORE_OVERLAP)
    yield database_url
    migrate(database_url)


def test_a_recognised_segment_keeps_its_text_and_has_no_overlap(before_overlap: str) -> None:
    url = before_overlap
    with session_scope(url) as db:
        create_session(session=db, assembly="prishtine", title="Seanca", date=date(2026, 11, 26),
                       session_id="s1", status="draft")  # fmt: skip
    with get_engine(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO segments (id, session_id, chunk_index, position, start_s, end_s, "
                "language, language_probability, text, words, avg_logprob, no_speech_prob, "
                "compression_ratio, reviewed, superseded) VALUES ('seg1', 's1', 0, 0, 0.0, 2.0, "
                "'sq', 0.9, 'Mirëdita.', '[]', 0.0, 0.0, 0.0, false, false)"
            )
        )
    migrate(url)
    with session_scope(url) as db:
        [old] = load_segments(session=db, session_id="s1")
        assert (old.text, old.overlap) == ("Mirëdita.", False)
        both = replace(old, start_s=3.0, end_s=5.0, text="Hvala.", overlap=True)
        replace_chunk_segments(session=db, session_id="s1", chunk_index=1, segments=[both])
    with session_scope(url) as db:
        loaded = load_segments(session=db, session_id="s1")
    assert [(s.text, s.overlap) for s in loaded] == [("Mirëdita.", False), ("Hvala.", True)]
    command.downgrade(_config(url), BEFORE_OVERLAP)  # the column goes, the rows stay
    with get_engine(url).connect() as connection:
        texts = connection.execute(text("SELECT text FROM segments ORDER BY start_s")).all()
    assert [row[0] for row in texts] == ["Mirëdita.", "Hvala."]


def test_a_session_recognised_before_second_voices_has_none_and_gets_them(
    database_url: str,
) -> None:
    url = database_url
    command.downgrade(_config(url), BEFORE_SECOND_VOICES)
    try:
        with session_scope(url) as db:
            create_session(session=db, assembly="prishtine", title="Seanca",
                           date=date(2026, 11, 30), session_id="s2", status="draft")  # fmt: skip
        migrate(url)
        with session_scope(url) as db:
            assert load_second_voices(session=db, session_id="s2") == []
            replace_second_voices(session=db, session_id="s2", voices=[SpeakerTurn(1.0, 2.0, "S2")])
        with session_scope(url) as db:
            assert load_second_voices(session=db, session_id="s2") == [SpeakerTurn(1.0, 2.0, "S2")]
        command.downgrade(_config(url), BEFORE_SECOND_VOICES)  # the table goes, sessions stay
        with get_engine(url).connect() as connection:
            names = connection.execute(text("SELECT id FROM sessions")).all()
        assert [row[0] for row in names] == ["s2"]
    finally:
        migrate(url)
