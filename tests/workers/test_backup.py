"""Backup and restore of the whole record, on SQLite and PostgreSQL (``database_url``).

A session is published through the API with an original recording and player audio; the
backup is restored into an empty data folder (and, on PostgreSQL, a new empty database) and
must give byte-identical published versions and site files and the same search results. A
damaged or truncated backup is refused and nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kuvend.config import Settings
from kuvend.errors import BackupError
from kuvend.storage import backup, dump
from kuvend.storage.db import get_engine, migrate, session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.media import MediaStore
from kuvend.storage.tables import PublishedVersionRow, SessionRow
from publish import search_page
from search_api.app import create_app
from tests.conftest import POSTGRES_ADMIN_URL
from tests.search_api.conftest import Api, make_api
from tests.search_api.corpus import build_corpus
from tests.search_api.seed import PASSWORD, seed
from tests.utils.media import tone
from workers import steps
from workers.actions import PipelineActions
from workers.backup import restore_record

DRAFT = "pr-2024-draft"
QUERIES = ("buxheti", "keshilli", "skupština", "raporti")


@pytest.fixture
def api(settings: Settings, database_url: str) -> Iterator[Api]:
    yield from make_api(settings.model_copy(update={"database_url": database_url}), build_corpus())


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Where to restore: no SQLite file yet, or a new PostgreSQL database with nothing in it."""
    if database_url.startswith("sqlite"):
        yield ""  # SQLite inside the new data folder
        return
    name = f"kuvend_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    get_engine(url).dispose()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _publish_with_media(api: Api, tmp_path: Path) -> Path:
    """Gives the draft an original recording, player audio and chunks, then publishes it."""
    settings = api.settings
    original = MediaStore(settings.resolved_media_dir).add_file(
        tone(tmp_path / "sitting.wav", 2.0), "sitting.wav"
    )
    with session_scope(settings.resolved_database_url) as db:
        row = db.get(SessionRow, DRAFT)
        assert row is not None
        row.media_path, row.media_sha256 = str(original.path), original.sha256
    work = steps.work_dir(settings, DRAFT)
    (work / "chunks").mkdir(parents=True)
    tone(work / "chunks" / "0000.wav", 1.0)
    tone(work / steps.PLAYER_AUDIO, 2.0, frequency_hz=330)
    published = api.client.post(
        f"/api/v1/sessions/{DRAFT}/publish", headers=api.headers("secretariat_a")
    )
    assert published.status_code == 200, published.text
    return original.path


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _versions(settings: Settings) -> list[tuple[str, int, str, str]]:
    with session_scope(settings.resolved_database_url) as db:
        rows = db.scalars(select(PublishedVersionRow).order_by(PublishedVersionRow.id))
        return [(r.session_id, r.version, r.sha256, r.minutes_json) for r in rows]


def _search(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Every hit of each query with the facets; hits of equal rank may come in another order
    from a rebuilt index (FTS5 breaks ties by row id), so they are compared sorted."""
    found = {}
    for query in QUERIES:
        params = {"q": query, "limit": 100}
        response = client.get("/api/v1/search", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["next_cursor"] is None  # every hit on one page
        body["data"] = sorted(body["data"], key=lambda hit: hit["segment_id"])
        found[query] = body
    return found


def test_a_restored_backup_gives_identical_versions_site_and_search(
    api: Api, empty_database: str, tmp_path: Path
) -> None:
    original = _publish_with_media(api, tmp_path)
    staff = api.headers("secretariat_a")
    site_before = _tree(api.settings.resolved_site_dir)
    assert any(path.endswith(".docx") for path in site_before)
    versions_before = _versions(api.settings)
    assert {v[0] for v in versions_before} >= {DRAFT, "pr-2023"}
    search_before = _search(api.client, {})
    drafts_before = _search(api.client, staff)
    assert any(result["data"] for result in search_before.values())

    destination = tmp_path / "backups" / "nightly"  # neither folder exists yet
    made = backup.back_up(api.settings, destination)
    assert made.folder == destination and (destination / backup.MANIFEST).is_file()
    assert not (destination / "sessions" / DRAFT / "chunks").exists()
    assert (destination / "sessions" / DRAFT / steps.PLAYER_AUDIO).is_file()

    restored = api.settings.model_copy(
        update={"data_dir": tmp_path / "restored", "database_url": empty_database}
    )
    report = restore_record(restored, destination)
    assert report.indexed.published == 4 and report.indexed.drafts == 0

    assert _tree(restored.resolved_site_dir) == site_before
    assert _versions(restored) == versions_before
    with session_scope(restored.resolved_database_url) as db:
        row = db.get(SessionRow, DRAFT)
        assert row is not None and row.media_path is not None
        media = Path(row.media_path)
    assert media.is_relative_to(restored.resolved_media_dir)
    assert media.read_bytes() == original.read_bytes()
    app = create_app(restored, actions=PipelineActions(restored), search_pages=search_page)
    with TestClient(app) as client:
        assert _search(client, {}) == search_before
        assert _search(client, _token_headers(client, api)) == drafts_before
        minutes = client.get(f"/api/v1/sessions/{DRAFT}/minutes")
        assert minutes.status_code == 200
        assert minutes.json()["session"]["version"] == 1

    with pytest.raises(BackupError, match="not empty"):
        restore_record(restored, destination)
    if empty_database:  # PostgreSQL: a new data folder, but a database already in use
        elsewhere = restored.model_copy(update={"data_dir": tmp_path / "third"})
        with pytest.raises(BackupError, match="already holds a record"):
            restore_record(elsewhere, destination)
        assert not (tmp_path / "third").exists()


def _token_headers(client: TestClient, api: Api) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": api.accounts.email_a, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _damage_truncate(folder: Path) -> str:
    media = next(path for path in (folder / "media").rglob("*") if path.is_file())
    media.write_bytes(media.read_bytes()[:-100])
    return "has .* bytes"


def _damage_flip(folder: Path) -> str:
    page = next(path for path in (folder / "site").rglob("index.html"))
    content = bytearray(page.read_bytes())
    content[len(content) // 2] ^= 0x01
    page.write_bytes(bytes(content))
    return "does not match its SHA-256"


def _damage_database(folder: Path) -> str:
    manifest = backup.read_manifest(folder)
    database = folder / manifest.database_file
    database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])
    return "has .* bytes"


def _damage_manifest(folder: Path) -> str:
    (folder / backup.MANIFEST).write_text('{"format": "kuvend-backup", "files": [', "utf-8")
    return "damaged"


@pytest.mark.parametrize(
    "damage", [_damage_truncate, _damage_flip, _damage_database, _damage_manifest]
)
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    api: Api, empty_database: str, tmp_path: Path, damage: Any
) -> None:
    _publish_with_media(api, tmp_path)
    destination = tmp_path / "backup"
    backup.back_up(api.settings, destination)
    expected = damage(destination)
    restored = api.settings.model_copy(
        update={"data_dir": tmp_path / "restored", "database_url": empty_database}
    )

    with pytest.raises(BackupError, match=expected):
        restore_record(restored, destination)
    assert not restored.data_dir.exists() or not any(restored.data_dir.iterdir())
    if empty_database:
        assert not dump.holds_records(empty_database)


def test_the_commands_back_up_and_restore_and_refuse_a_folder_in_use(
    settings: Settings, tmp_path: Path
) -> None:
    migrate(settings.resolved_database_url)
    index = SqliteFtsIndex(sqlite_index_path(settings))
    seed(settings, build_corpus(), index)
    index.close()
    destination = tmp_path / "copy"
    made = _kuvend("backup", str(destination))
    assert made.returncode == 0, made.stderr
    assert str(destination) in made.stdout

    refused = _kuvend("restore", str(destination))  # into the data folder it came from
    assert refused.returncode == 2
    assert refused.stderr.startswith("kuvend: error: ") and "not empty" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1

    elsewhere = tmp_path / "elsewhere"
    restored = _kuvend("restore", str(destination), data_dir=elsewhere)
    assert restored.returncode == 0, restored.stderr
    assert (elsewhere / "kuvend.db").is_file()
    searched = _kuvend("search", "buxheti", "--json", data_dir=elsewhere)
    assert searched.returncode == 0 and "pr-2023" in searched.stdout


def _kuvend(*arguments: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    if data_dir is not None:
        environment["KUVEND_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        timeout=300,
    )
