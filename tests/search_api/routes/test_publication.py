"""Publishing is one transaction and one bad version never stops another (SQLite, PostgreSQL).

Bad data is written straight into the database here, as a version stored before validation
existed (or a bug elsewhere) would be: the API itself refuses it (``test_validation``).
"""

from __future__ import annotations

import json
import shutil

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kuvend.minutes import sha256_text
from kuvend.storage.db import session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.tables import PublishedVersionRow, SegmentRow
from search_api.app import create_app
from tests.search_api.conftest import Api
from workers.actions import PipelineActions

DRAFT = "pr-2024-draft"
OTHER = "gr-2022"  # a published session of another assembly


def test_a_version_whose_files_cannot_be_written_is_not_published(api: Api) -> None:
    with session_scope(api.settings.resolved_database_url) as db:
        segment = db.scalars(select(SegmentRow).where(SegmentRow.session_id == DRAFT)).first()
        assert segment is not None
        segment_id = segment.id
        segment.text = "Fjala\x07 e ndaluar"  # XML 1.0 (DOCX, Akoma Ntoso) cannot hold it
    staff = api.headers("secretariat_a")

    refused = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert refused.status_code == 409, refused.text
    assert "cannot be exported" in refused.json()["error"]["message"]
    assert api.client.get(f"/api/v1/sessions/{DRAFT}/minutes").status_code == 404
    with session_scope(api.settings.resolved_database_url) as db:
        stored = db.scalars(
            select(PublishedVersionRow).where(PublishedVersionRow.session_id == DRAFT)
        ).all()
        assert stored == []

    fixed = api.client.patch(
        f"/api/v1/sessions/{DRAFT}/segments/{segment_id}",
        json={"text": "Fjala e lejuar"},
        headers=staff,
    )
    assert fixed.status_code == 200, fixed.text
    published = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert published.status_code == 200 and published.json()["version"] == 1
    assert api.client.get(f"/api/v1/sessions/{DRAFT}/downloads/docx").status_code == 200


def test_one_bad_stored_version_never_stops_other_sessions_from_publishing(api: Api) -> None:
    staff = api.headers("secretariat_a")
    site = api.settings.resolved_site_dir
    assert api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff).is_success
    other_page = site / "graqanice" / OTHER / "index.html"
    assert other_page.is_file()
    before = other_page.read_bytes()
    # Another assembly's stored version turns bad, with a matching hash (so it reads back).
    with session_scope(api.settings.resolved_database_url) as db:
        row = db.scalars(
            select(PublishedVersionRow).where(PublishedVersionRow.session_id == OTHER)
        ).one()
        minutes = json.loads(row.minutes_json)
        minutes["segments"][0]["text"] = "Poisoned\x07text"
        text = json.dumps(minutes, ensure_ascii=False, indent=2)
        db.execute(
            update(PublishedVersionRow)
            .where(PublishedVersionRow.id == row.id)
            .values(minutes_json=text, sha256=sha256_text(text))
        )

    segment = api.client.get(f"/api/v1/sessions/{DRAFT}/segments", headers=staff).json()
    edit = {"text": "Teksti i ri i versionit të dytë"}
    path = f"/api/v1/sessions/{DRAFT}/segments/{segment['data'][0]['id']}"
    assert api.client.patch(path, json=edit, headers=staff).is_success
    again = api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    page = (site / "prishtine" / DRAFT / "index.html").read_text(encoding="utf-8")
    assert "Teksti i ri i versionit të dytë" in page
    assert other_page.read_bytes() == before  # the bad session keeps its last good pages
    assert api.client.get(f"/api/v1/sessions/{DRAFT}/downloads/srt").status_code == 200


def test_pages_published_after_the_server_started_without_a_site_are_served(api: Api) -> None:
    shutil.rmtree(api.settings.resolved_site_dir, ignore_errors=True)
    index = SqliteFtsIndex(sqlite_index_path(api.settings))
    app = create_app(api.settings, index=index, actions=PipelineActions(api.settings))
    with TestClient(app) as client:
        assert client.get(f"/prishtine/{DRAFT}/").status_code == 404
        staff = api.headers("secretariat_a")
        assert client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff).is_success
        page = client.get(f"/prishtine/{DRAFT}/")
        assert page.status_code == 200 and "<html" in page.text
    index.close()
