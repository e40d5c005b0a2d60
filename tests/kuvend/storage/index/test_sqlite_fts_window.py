"""The embedded index's bounded work: exact totals, facets over a window (approximate beyond it),
date ranges as tags, and an index of schema 1 upgraded in place."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from kuvend.minutes import Minutes, MinutesSegment, MinutesSession, MinutesSpeaker
from kuvend.search import SearchQuery
from kuvend.storage.index import SqliteFtsIndex, fts_search
from kuvend.storage.index.fts_query import date_tokens


def _session(number: int, day: str, words: str, *, assembly: str = "prishtine") -> Minutes:
    return Minutes(
        session=MinutesSession(
            id=f"s{number}", assembly=assembly, title=f"Seanca {number}", date=day,
            duration_s=60.0, languages=["sq"], status="published",
        ),
        speakers=[MinutesSpeaker(id="S1", member_id=f"m{number % 2}", name=f"Anëtar {number % 2}",
                                 party="LDK" if number % 2 else "VV")],
        segments=[MinutesSegment(id=f"s{number}-0", start=1.0, end=4.0, speaker="S1",
                                 language="sq", text=words)],
    )  # fmt: skip


@pytest.fixture
def index(tmp_path: Path) -> SqliteFtsIndex:
    index = SqliteFtsIndex(tmp_path / "kuvend.search.db")
    days = ["2021-03-14", "2021-03-15", "2021-04-30", "2021-05-01", "2022-01-01", "2022-12-31"]
    for number, day in enumerate(days):
        index.index_minutes(_session(number, day, "Buxheti i komunës për vitin"))
    return index


def test_a_date_range_keeps_its_exact_days(index: SqliteFtsIndex) -> None:
    def days(first: date, last: date) -> set[str]:
        query = SearchQuery("buxheti", date_from=first, date_to=last, limit=50)
        return {hit.session_date for hit in index.search(query).hits}

    assert days(date(2021, 3, 15), date(2021, 5, 1)) == {"2021-03-15", "2021-04-30", "2021-05-01"}
    assert days(date(2021, 1, 1), date(2021, 12, 31)) == {
        "2021-03-14", "2021-03-15", "2021-04-30", "2021-05-01"
    }  # fmt: skip
    assert days(date(2022, 12, 31), date(2030, 1, 1)) == {"2022-12-31"}
    assert days(date(2021, 5, 2), date(2021, 12, 31)) == set()
    open_end = SearchQuery("buxheti", date_from=date(2022, 1, 1))
    assert index.search(open_end).total == 2
    assert index.search(SearchQuery("buxheti", date_from=date(2023, 1, 1))).total == 0
    everything = SearchQuery("buxheti", date_from=date(1, 1, 1), date_to=date(9999, 12, 31))
    assert index.search(everything).total == 6, "a range of millennia is clipped, not spelt out"


def test_date_tokens_cover_a_range_with_few_tokens() -> None:
    assert date_tokens(date(2021, 1, 1), date(2022, 12, 31)) == ["y2021", "y2022"]
    assert date_tokens(date(2021, 2, 27), date(2021, 4, 1)) == [
        "d20210227", "d20210228", "n202103", "d20210401"
    ]  # fmt: skip
    assert date_tokens(date(2021, 2, 2), date(2021, 2, 1)) == []


def test_facets_beyond_the_window_are_estimates_and_say_so(
    index: SqliteFtsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = index.search(SearchQuery("buxheti"))
    assert exact.total == 6 and not exact.facets_approximate
    assert {f.value: f.count for f in exact.facets["party"]} == {"LDK": 3, "VV": 3}

    monkeypatch.setattr(fts_search, "RANK_WINDOW", 4)
    sampled = index.search(SearchQuery("buxheti", limit=2))
    assert sampled.total == 6, "the total is counted, not estimated"
    assert sampled.facets_approximate
    # The 4 newest matches are sessions 2–5: two of each party, scaled by 6/4.
    assert {f.value: f.count for f in sampled.facets["party"]} == {"LDK": 3, "VV": 3}
    pages = [index.search(SearchQuery("buxheti", limit=3, offset=o)).hits for o in (0, 3)]
    listed = [hit.session_id for page in pages for hit in page]
    assert sorted(listed) == [f"s{number}" for number in range(6)], "every match once"


def test_an_index_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.search.db"
    index = SqliteFtsIndex(path)
    index.index_minutes(_session(1, "2021-03-15", "Buxheti i komunës", assembly="zvecan"))
    index.close()
    # Schema 1: no tags column, no session date, FTS5 over the folded text alone.
    connection = sqlite3.connect(path)
    connection.executescript(
        "DROP TABLE search_fts; ALTER TABLE search_segments DROP COLUMN tags;"
        "ALTER TABLE search_sessions DROP COLUMN session_date;"
        "CREATE VIRTUAL TABLE search_fts USING fts5(folded, content='search_segments', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');"
        "INSERT INTO search_fts (search_fts) VALUES ('rebuild'); PRAGMA user_version=1;"
    )
    connection.close()

    upgraded = SqliteFtsIndex(path)
    found = upgraded.search(SearchQuery("buxheti", assembly="zvecan", date_to=date(2021, 3, 31)))
    assert [hit.session_id for hit in found.hits] == ["s1"]
    assert upgraded.search(SearchQuery("buxheti", assembly="prishtine")).total == 0
