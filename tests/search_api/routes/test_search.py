"""``GET /api/v1/search`` over the real-text corpus: folding, scripts, phrases, filters, links."""

from __future__ import annotations

from typing import Any

import pytest

from kuvend.minutes import Minutes
from tests.search_api.conftest import Api

Params = str | int | bool


def _search(api: Api, **params: Params) -> dict[str, Any]:
    response = api.client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_keshilli_finds_keshilli_with_diaeresis(sqlite_api: Api) -> None:
    body = _search(sqlite_api, q="keshilli")
    assert body["count"] >= 1
    assert "<mark>Këshilli</mark>" in body["data"][0]["snippet"]
    assert all("<mark>Këshill" in hit["snippet"] for hit in body["data"])


def test_cyrillic_query_finds_latin_text_and_the_reverse(sqlite_api: Api) -> None:
    cyrillic = _search(sqlite_api, q="скупштина", assembly="graqanice")
    assert cyrillic["count"] >= 1
    assert all("skupštin" in hit["text"].lower() for hit in cyrillic["data"])
    latin = _search(sqlite_api, q="sjednica", assembly="zvecan")
    assert latin["count"] >= 1
    assert all("сједниц" in hit["text"].lower() for hit in latin["data"])


def test_phrase_query(sqlite_api: Api) -> None:
    phrase = _search(sqlite_api, q='"narodne skupštine"', limit=100)
    words = _search(sqlite_api, q="narodne skupštine", limit=100)
    assert 1 <= phrase["count"] <= words["count"]
    assert all("narodne skupštine" in hit["text"].lower() for hit in phrase["data"])


def test_filters_by_member_party_language_and_dates(sqlite_api: Api) -> None:
    member = "graqanice-dacicivica"
    by_member = _search(sqlite_api, q="skupštine", member=member, limit=100)
    assert by_member["count"] >= 1
    assert {hit["member_id"] for hit in by_member["data"]} == {member}
    by_party = _search(sqlite_api, q="je", party="SDP_BiH", limit=100)
    assert {hit["speaker_name"] for hit in by_party["data"]} == {"Bećirović, Denis"}
    albanian = _search(sqlite_api, q="kontest", language="sq", limit=100)
    assert albanian["count"] >= 1 and {hit["language"] for hit in albanian["data"]} == {"sq"}
    assert _search(sqlite_api, q="kontest", language="sr")["count"] == 0
    in_2022 = _search(sqlite_api, q="je", date_from="2022-01-01", date_to="2022-03-01", limit=100)
    assert in_2022["count"] >= 1
    assert {hit["session_date"] for hit in in_2022["data"]} == {"2022-02-14"}


def test_facets_by_assembly_member_and_year(sqlite_api: Api) -> None:
    body = _search(sqlite_api, q="je", limit=1)
    assemblies = {facet["value"]: facet["count"] for facet in body["facets"]["assembly"]}
    assert set(assemblies) == {"graqanice", "zvecan"}
    assert sum(assemblies.values()) == body["count"]
    assert {facet["value"] for facet in body["facets"]["year"]} == {"2022"}
    assert any(facet["label"] == "Dačić, Ivica" for facet in body["facets"]["member"])


def test_deep_links_carry_the_segment_start(sqlite_api: Api, corpus: list[Minutes]) -> None:
    segment = corpus[3].segments[5]
    body = _search(sqlite_api, q=segment.text.split()[0], session="zv-2022", limit=100)
    hit = next(hit for hit in body["data"] if hit["segment_id"] == segment.id)
    assert hit["start_s"] == segment.start
    assert hit["link"] == f"http://testserver/zvecan/zv-2022/#t={segment.start:.1f}"
    assert segment.start > 30  # a real offset, not the session start


def test_cursor_pages_through_all_hits_once(sqlite_api: Api) -> None:
    seen: list[str] = []
    params: dict[str, Params] = {"q": "je", "limit": 7}
    while True:
        body = _search(sqlite_api, **params)
        seen += [hit["segment_id"] for hit in body["data"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == body["count"]


@pytest.mark.parametrize(
    "query", ['"unbalanced', "NEAR(a b)", "*", '"', "a*b", "-only", "()", "\\"]
)
def test_malformed_queries_are_400_with_a_message(sqlite_api: Api, query: str) -> None:
    response = sqlite_api.client.get("/api/v1/search", params={"q": query})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_query" and error["message"]


def test_bad_cursor_is_400(sqlite_api: Api) -> None:
    response = sqlite_api.client.get("/api/v1/search", params={"q": "je", "cursor": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_query"


def test_the_pages_filter_names_work_in_the_api(sqlite_api: Api) -> None:
    member = "graqanice-dacicivica"
    by_speaker = _search(sqlite_api, q="skupštine", speaker=member, limit=100)
    assert by_speaker["count"] == _search(sqlite_api, q="skupštine", member=member)["count"] >= 1
    assert {hit["member_id"] for hit in by_speaker["data"]} == {member}
    dated = _search(sqlite_api, q="je", **{"from": "2022-01-01", "to": "2022-03-01"})
    assert {hit["session_date"] for hit in dated["data"]} == {"2022-02-14"}
    assert dated["facets_approximate"] is False
    both = sqlite_api.client.get(
        "/api/v1/search", params={"q": "je", "member": member, "speaker": "someone-else"}
    )
    assert both.status_code in (400, 422) and "speaker" in both.text
