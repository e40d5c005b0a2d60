"""Nothing the API accepts may break a publish: poisoned bodies are refused at the door.

Reproduces the site poisoning of issue 16 (an agenda time of ``Infinity`` or ``1e309``, a NUL in
a segment edit or a member's name) on SQLite and PostgreSQL: each is a 422, and publishing
afterwards works, with every download and the public statistics readable.
"""

from __future__ import annotations

import pytest

from tests.search_api.conftest import Api

DRAFT = "pr-2024-draft"


def _raw(api: Api, method: str, path: str, body: str) -> int:
    """Send ``body`` as it is (``json=`` would refuse to encode Infinity or NaN)."""
    response = api.client.request(
        method,
        path,
        content=body.encode("utf-8"),
        headers={**api.headers("secretariat_a"), "Content-Type": "application/json"},
    )
    return response.status_code


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e309", "-1", "1e12"])
def test_a_non_finite_or_out_of_range_time_is_refused(api: Api, number: str) -> None:
    agenda = f'{{"items": [{{"start_s": {number}, "title": "Buxheti"}}]}}'
    assert _raw(api, "PUT", f"/api/v1/sessions/{DRAFT}/agenda", agenda) == 422
    segment = api.client.get(
        f"/api/v1/sessions/{DRAFT}/segments", headers=api.headers("secretariat_a")
    ).json()["data"][0]["id"]
    split = f'{{"at_s": {number}}}'
    assert _raw(api, "POST", f"/api/v1/sessions/{DRAFT}/segments/{segment}/split", split) == 422


@pytest.mark.parametrize("char", ["\\u0000", "\\u0007", "\\u001b", "\\ud800", "\\uffff"])
def test_control_characters_are_refused_in_edits_names_and_titles(api: Api, char: str) -> None:
    staff = api.headers("secretariat_a")
    segment = api.client.get(f"/api/v1/sessions/{DRAFT}/segments", headers=staff).json()["data"][0]
    path = f"/api/v1/sessions/{DRAFT}"
    assert _raw(api, "PATCH", f"{path}/segments/{segment['id']}", f'{{"text": "a{char}b"}}') == 422
    member = f'{{"name": "Arben{char}Gashi"}}'
    assert _raw(api, "POST", "/api/v1/assemblies/prishtine/members", member) == 422
    agenda = f'{{"items": [{{"start_s": 1, "title": "Pika{char}"}}]}}'
    assert _raw(api, "PUT", f"{path}/agenda", agenda) == 422
    schedule = f'{{"title": "Seanca{char}", "date": "2024-09-01"}}'
    assert _raw(api, "POST", "/api/v1/assemblies/prishtine/sessions", schedule) == 422


def test_unknown_languages_and_long_lists_are_refused(api: Api) -> None:
    path = "/api/v1/assemblies/prishtine/sessions"
    unknown = '{"title": "Seanca", "date": "2024-09-01", "languages": ["xx"]}'
    assert _raw(api, "POST", path, unknown) == 422
    many = '{"title": "Seanca", "date": "2024-09-01", "languages": [' + '"sq",' * 20 + '"sr"]}'
    assert _raw(api, "POST", path, many) == 422
    good = '{"title": "Seanca", "date": "2024-09-01", "languages": ["sq", "sr", "tr"]}'
    assert _raw(api, "POST", path, good) == 201


def test_after_refused_poison_a_multiline_edit_publishes_with_every_download(api: Api) -> None:
    staff = api.headers("secretariat_a")
    path = f"/api/v1/sessions/{DRAFT}"
    assert _raw(api, "PUT", f"{path}/agenda", '{"items": [{"start_s": 1e309, "title": "x"}]}')
    segment = api.client.get(f"{path}/segments", headers=staff).json()["data"][0]["id"]
    text = {"text": "Rreshti i parë\n\tRreshti i dytë"}
    edited = api.client.patch(f"{path}/segments/{segment}", json=text, headers=staff)
    assert edited.status_code == 200, edited.text
    agenda = api.client.put(
        f"{path}/agenda", json={"items": [{"start_s": 0.5, "title": "Buxheti"}]}, headers=staff
    )
    assert agenda.status_code == 200, agenda.text

    published = api.client.post(f"{path}/publish", headers=staff)
    assert published.status_code == 200, published.text
    minutes = api.client.get(f"{path}/minutes")
    assert minutes.status_code == 200
    assert minutes.json()["session"]["agenda"] == [{"start": 0.5, "title": "Buxheti"}]
    for fmt in ("json", "srt", "vtt", "txt", "docx"):
        download = api.client.get(f"{path}/downloads/{fmt}")
        assert download.status_code == 200, (fmt, download.text)
    assert api.client.get("/api/v1/statistics", params={"group_by": "member"}).status_code == 200
    page = api.settings.resolved_site_dir / "prishtine" / DRAFT / "index.html"
    assert "Rreshti i dytë" in page.read_text(encoding="utf-8")
