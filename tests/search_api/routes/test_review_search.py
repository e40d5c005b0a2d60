"""A reviewer's correction is what the secretariat's search finds at once; the public never."""

from __future__ import annotations

from tests.search_api.conftest import Api

DRAFT = "pr-2024-draft"


def _hits(api: Api, role: str, query: str) -> list[dict[str, object]]:
    response = api.client.get(
        "/api/v1/search", params={"q": query, "include_drafts": True}, headers=api.headers(role)
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_a_corrected_draft_segment_is_found_by_its_new_words(api: Api) -> None:
    headers = api.headers("secretariat_a")
    segments = api.client.get(f"/api/v1/sessions/{DRAFT}/segments", headers=headers).json()
    target = segments["data"][0]["id"]
    assert _hits(api, "secretariat_a", "ujësjellësi") == []

    response = api.client.patch(
        f"/api/v1/sessions/{DRAFT}/segments/{target}",
        json={"text": "Projekti i ujësjellësit në Gërmi u miratua."},
        headers=headers,
    )
    assert response.status_code == 200, response.text

    found = _hits(api, "secretariat_a", "ujesjellesit")
    assert [hit["session_id"] for hit in found] == [DRAFT]
    assert _hits(api, "anonymous", "ujesjellesit") == []
