"""Sessions, minutes, downloads, members and statistics as the public reads them."""

from __future__ import annotations

from datetime import date
from typing import Any

from kuvend.minutes import Minutes
from kuvend.storage.db import session_scope
from kuvend.storage.tables import PublishedVersionRow, SessionRow
from tests.search_api.conftest import Api


def _ids(api: Api, **params: str | int) -> tuple[list[str], str | None]:
    body = api.client.get("/api/v1/sessions", params=params).json()
    return [s["id"] for s in body["data"]], body["next_cursor"]


def test_sessions_page_newest_first_with_stable_cursors(api: Api) -> None:
    first, cursor = _ids(api, limit=1)
    assert first == ["pr-2023"] and cursor is not None
    # A session published meanwhile, newer than everything: the next pages are unaffected.
    with session_scope(api.settings.resolved_database_url) as db:
        db.add(SessionRow(id="new", assembly_slug="zvecan", title="Nova", date=date(2025, 1, 1)))
        db.flush()
        db.add(PublishedVersionRow(session_id="new", version=1, sha256="0" * 64, minutes_json="{}"))
    rest: list[str] = []
    while cursor is not None:
        page, cursor = _ids(api, limit=1, cursor=cursor)
        rest += page
    assert rest == ["zv-2022", "gr-2022"]
    assert _ids(api, limit=10)[0] == ["new", "pr-2023", "zv-2022", "gr-2022"]


def test_sessions_filter_by_assembly_and_date(api: Api) -> None:
    assert _ids(api, assembly="zvecan")[0] == ["zv-2022"]
    assert _ids(api, date_from="2022-03-01", date_to="2022-12-31")[0] == ["zv-2022"]


def test_minutes_and_downloads_of_the_published_version(api: Api, corpus: list[Minutes]) -> None:
    minutes = api.client.get("/api/v1/sessions/gr-2022/minutes")
    assert minutes.status_code == 200
    assert minutes.json()["segments"][0]["text"] == corpus[2].segments[0].text
    json_file = api.client.get("/api/v1/sessions/gr-2022/downloads/json")
    assert json_file.headers["content-type"] == "application/json"
    assert "attachment" in json_file.headers["content-disposition"]
    assert Minutes.model_validate_json(json_file.content).session.id == "gr-2022"
    # SRT and the others are the files the orchestration wrote when publishing.
    missing = api.client.get("/api/v1/sessions/gr-2022/downloads/srt")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    folder = api.settings.resolved_site_dir / "graqanice" / "gr-2022"
    folder.mkdir(parents=True)
    (folder / "minutes.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nPoštovane dame\n")
    srt = api.client.get("/api/v1/sessions/gr-2022/downloads/srt")
    assert srt.status_code == 200 and "Poštovane dame" in srt.text
    assert srt.headers["content-type"].startswith("application/x-subrip")


def test_speakers_and_members(api: Api) -> None:
    speakers = api.client.get("/api/v1/sessions/zv-2022/speakers").json()["data"]
    assert [s["name"] for s in speakers] == ["Špirić, Nikola", "Bećirović, Denis"]
    members = api.client.get("/api/v1/assemblies/graqanice/members").json()
    assert members["count"] == 3 and "voiceprint" not in members["data"][0]
    member = api.client.get(f"/api/v1/members/{members['data'][0]['id']}").json()
    assert member["assembly"] == "graqanice"
    assert api.client.get("/api/v1/assemblies/nowhere/members").status_code == 404


def test_statistics_per_member_party_language_assembly_and_period(
    api: Api, corpus: list[Minutes]
) -> None:
    def rows(group_by: str, **params: str) -> dict[str, dict[str, Any]]:
        body = api.client.get("/api/v1/statistics", params={"group_by": group_by, **params})
        assert body.status_code == 200, body.text
        return {row["key"]: row for row in body.json()["data"]}

    # The corpus minutes carry no statistics: publish one with publish.build_minutes' figures.
    staff = api.headers("secretariat_a")
    assert api.client.post("/api/v1/sessions/pr-2024-draft/publish", headers=staff).is_success
    published = api.client.get("/api/v1/sessions/pr-2024-draft/minutes").json()
    expected = {s["member_id"]: s["speaking_time_s"] for s in published["speakers"]}
    by_member = rows("member", assembly="prishtine", date_from="2024-01-01")
    assert {key: row["speaking_time_s"] for key, row in by_member.items()} == expected
    assert sum(expected.values()) > 0
    assert by_member["prishtine-m1"]["label"] == "Arta Krasniqi"
    by_party = rows("party", date_from="2024-01-01")
    assert set(by_party) == {"LDK", "VV", "PDK"}
    by_language = rows("language", date_from="2024-01-01")
    assert set(by_language) == {"sq"}
    assert abs(by_language["sq"]["speaking_time_s"] - sum(expected.values())) < 0.01
    assert set(rows("assembly")) >= {"prishtine"}
    assert "2024" in rows("year") and "2024-02" in rows("month")
