"""Both index backends on a corpus of real Albanian, Serbian and Bosnian text.

Every test runs on SQLite FTS5, and on OpenSearch when ``KUVEND_OPENSEARCH_URL`` points at a
server (no server can be installed on the build machines: skipped there, saying so).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from kuvend.minutes import Minutes, MinutesSegment, MinutesSession, MinutesSpeaker
from kuvend.search import ALL_ASSEMBLIES, SearchIndex, SearchQuery
from kuvend.storage.index import SqliteFtsIndex
from kuvend.storage.index.opensearch import OpenSearchIndex
from kuvend.text import fold_for_search
from tests.search_api.corpus import build_corpus


@pytest.fixture(scope="module")
def corpus() -> list[Minutes]:
    return build_corpus()


OPENSEARCH_URL = os.environ.get("KUVEND_OPENSEARCH_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "opensearch",
        marks=pytest.mark.skipif(
            not OPENSEARCH_URL,
            reason="KUVEND_OPENSEARCH_URL is not set: no OpenSearch server to test against "
            "(the mapping and query bodies are tested in test_opensearch_mapping.py)",
        ),
    ),
]


@contextmanager
def _new_index(backend: str, folder: Path) -> Iterator[SearchIndex]:
    if backend == "sqlite":
        index = SqliteFtsIndex(folder / "kuvend.search.db")
        yield index
        index.close()
        return
    client = OpenSearch(hosts=[OPENSEARCH_URL], timeout=30)
    name = f"kuvend-test-{uuid.uuid4().hex[:12]}"
    yield OpenSearchIndex(client, name)
    client.indices.delete(index=name, params={"ignore_unavailable": "true"})


@pytest.fixture(scope="module", params=BACKENDS)
def index(
    request: pytest.FixtureRequest, corpus: list[Minutes], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchIndex]:
    """The corpus indexed on one backend, shared by the module's read-only tests."""
    with _new_index(request.param, tmp_path_factory.mktemp("index")) as index:
        for minutes in corpus:
            index.index_minutes(minutes)
        yield index


@pytest.fixture(params=BACKENDS)
def empty_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    """A fresh, empty index on one backend."""
    with _new_index(request.param, tmp_path) as index:
        yield index


def test_albanian_without_diacritics_finds_the_written_form(index: SearchIndex) -> None:
    results = index.search(SearchQuery("keshilli", limit=50))
    assert results.total >= 1
    assert "<mark>Këshilli</mark>" in results.hits[0].snippet
    # Inflected forms (Këshillit) are found too, after the form as typed.
    assert all("<mark>Këshill" in hit.snippet for hit in results.hits)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("ceshtje", "çështje"),
        ("odlucivanja", "odlučivanja"),
        ("predsjedavajuci", "предсједавајући"),
    ],
)
def test_c_finds_c_with_cedilla_caron_and_acute(
    index: SearchIndex, typed: str, written: str
) -> None:
    results = index.search(SearchQuery(typed, limit=100))
    assert results.total >= 1
    assert f"<mark>{written}</mark>" in results.hits[0].snippet.lower()


def test_cyrillic_query_finds_latin_text(index: SearchIndex) -> None:
    results = index.search(SearchQuery("скупштина", limit=100))
    assert results.total >= 1
    assert {hit.assembly for hit in results.hits} >= {"graqanice"}
    latin = [hit for hit in results.hits if hit.assembly == "graqanice"]
    assert "<mark>skupština</mark>" in latin[0].snippet.lower()
    assert all("<mark>skupštin" in hit.snippet.lower() for hit in latin)


def test_latin_query_finds_cyrillic_text(index: SearchIndex) -> None:
    results = index.search(SearchQuery("medjunarodnih"))
    assert results.total >= 1
    assert {hit.assembly for hit in results.hits} == {"zvecan"}
    assert "<mark>међународних</mark>" in results.hits[0].snippet
    assert all("<mark>међународн" in hit.snippet for hit in results.hits)
    # đ typed as đ folds to dj as well.
    assert index.search(SearchQuery("međunarodnih")).total == results.total


def test_phrase_query_matches_words_in_order(index: SearchIndex) -> None:
    phrase = index.search(SearchQuery('"narodnih poslanika"', limit=100))
    assert phrase.total >= 3
    assert all("narodnih poslanika" in fold_for_search(hit.text) for hit in phrase.hits)
    reversed_phrase = index.search(SearchQuery('"poslanika narodnih"'))
    both_words = index.search(SearchQuery("poslanika narodnih"))
    assert reversed_phrase.total < both_words.total


def test_filters_narrow_the_hits(index: SearchIndex, corpus: list[Minutes]) -> None:
    everything = index.search(SearchQuery("je", limit=200))
    assert {hit.assembly for hit in everything.hits} == {"graqanice", "zvecan"}
    only = index.search(SearchQuery("je", assembly="zvecan", limit=200))
    assert only.total > 0 and {hit.assembly for hit in only.hits} == {"zvecan"}
    by_party = index.search(SearchQuery("je", party="sps", limit=200))
    assert by_party.total > 0 and {hit.speaker_name for hit in by_party.hits} == {"Dačić, Ivica"}
    from_date = SearchQuery("je", date_from=date(2022, 6, 1))
    assert {hit.session_date for hit in index.search(from_date).hits} == {"2022-06-30"}


def test_agenda_filter_uses_the_item_under_way(index: SearchIndex, corpus: list[Minutes]) -> None:
    report = index.search(SearchQuery("gjykates", agenda="raporti i keshillit", limit=200))
    second_item_start = corpus[0].session.agenda[1].start
    assert report.total > 0
    assert all(hit.start_s >= second_item_start for hit in report.hits)
    assert all(hit.agenda == "Raporti i Këshillit për shërbime publike" for hit in report.hits)


def test_facets_count_every_match_by_assembly_member_and_year(index: SearchIndex) -> None:
    results = index.search(SearchQuery("je", limit=1))
    assert sum(facet.count for facet in results.facets["assembly"]) == results.total
    assert {facet.value for facet in results.facets["year"]} == {"2022"}
    labels = {facet.label for facet in results.facets["member"]}
    assert "Dačić, Ivica" in labels


def test_drafts_are_invisible_unless_their_assembly_is_allowed(index: SearchIndex) -> None:
    # A word in the draft session: every hit for the session filter must be the draft's.
    draft_only = SearchQuery("kontest", session_id="pr-2024-draft")
    assert index.search(draft_only).total == 0
    for allowed in ({"prishtine"}, {ALL_ASSEMBLIES}):
        visible = index.search(
            SearchQuery("kontest", session_id="pr-2024-draft", draft_assemblies=frozenset(allowed))
        )
        assert visible.total > 0 and {hit.status for hit in visible.hits} == {"draft"}
    other = SearchQuery(
        "kontest", session_id="pr-2024-draft", draft_assemblies=frozenset({"zvecan"})
    )
    assert index.search(other).total == 0


def test_exact_forms_rank_first(index: SearchIndex) -> None:
    # The court sentences write "në" but also the unaccented "ne": typing "në" ranks "në" first.
    results = index.search(SearchQuery("në", limit=500))
    exact = [hit.exact for hit in results.hits]
    assert True in exact and False in exact
    assert exact == sorted(exact, reverse=True)
    for hit in results.hits:
        assert hit.exact == ("<mark>në</mark>" in hit.snippet.lower())


def test_hits_carry_session_speaker_and_exact_start(
    index: SearchIndex, corpus: list[Minutes]
) -> None:
    segment = corpus[2].segments[17]
    word = max(segment.text.split(), key=len).strip(".,;:")
    results = index.search(SearchQuery(f'"{word}"', session_id="gr-2022", limit=100))
    hit = next(hit for hit in results.hits if hit.segment_id == segment.id)
    assert hit.start_s == segment.start and hit.end_s == segment.end
    assert hit.speaker == segment.speaker and hit.session_title == corpus[2].session.title


def test_reindexing_a_session_replaces_its_rows(
    empty_index: SearchIndex, corpus: list[Minutes]
) -> None:
    index = empty_index
    first = index.index_minutes(corpus[2])
    assert index.index_minutes(corpus[2]) == first
    assert (
        index.search(SearchQuery("je", limit=1)).total
        == index.search(SearchQuery("je", limit=1)).total
    )
    total = index.search(SearchQuery("kvorum")).total
    index.index_minutes(corpus[2])
    assert index.search(SearchQuery("kvorum")).total == total
    assert index.remove_session("gr-2022") == first
    assert index.search(SearchQuery("kvorum")).total == 0


def test_publishing_drops_the_draft_and_a_new_draft_shadows_the_published(
    empty_index: SearchIndex,
) -> None:
    index = empty_index

    def minutes(status: str, text: str) -> Minutes:
        return Minutes(
            session=MinutesSession(
                id="s1",
                assembly="a",
                title="t",
                date="2024-01-01",
                duration_s=5.0,
                languages=["sq"],
                status=status,  # type: ignore[arg-type]
            ),
            speakers=[MinutesSpeaker(id="S1")],
            segments=[
                MinutesSegment(id="g1", start=0.0, end=2.0, speaker="S1", language="sq", text=text)
            ],
        )

    index.index_minutes(minutes("draft", "Kryetari hap seancën"))
    index.index_minutes(minutes("published", "Kryetari hap seancën"))
    everything = SearchQuery("hap", draft_assemblies=frozenset({ALL_ASSEMBLIES}))
    assert [hit.status for hit in index.search(everything).hits] == ["published"]
    index.index_minutes(minutes("draft", "Kryetarja hap seancën"))
    public = index.search(SearchQuery("kryetari"))
    assert [hit.status for hit in public.hits] == ["published"]
    staff = SearchQuery("hap", draft_assemblies=frozenset({"a"}))
    assert [hit.text for hit in index.search(staff).hits] == ["Kryetarja hap seancën"]


def test_snippets_escape_the_text(empty_index: SearchIndex) -> None:
    index = empty_index
    index.index_minutes(
        Minutes(
            session=MinutesSession(
                id="x",
                assembly="a",
                title="t",
                date="2024-01-01",
                duration_s=5.0,
                languages=["sq"],
                status="published",
            ),
            speakers=[],
            segments=[
                MinutesSegment(
                    id="g",
                    start=0.0,
                    end=1.0,
                    speaker=None,
                    language="sq",
                    text="<script>alert(1)</script> Seanca",
                )
            ],
        )
    )
    hit = index.search(SearchQuery("seanca")).hits[0]
    assert hit.snippet == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Seanca</mark>"


def _draft(segments: list[tuple[str, str]]) -> Minutes:
    return Minutes(
        session=MinutesSession(
            id="s2",
            assembly="a",
            title="t",
            date="2024-02-01",
            duration_s=30.0,
            languages=["sq"],
            status="draft",
        ),
        speakers=[MinutesSpeaker(id="S1", name="Ana Kelmendi")],
        segments=[
            MinutesSegment(
                id=segment_id,
                start=n * 5.0,
                end=n * 5.0 + 4,
                speaker="S1",
                language="sq",
                text=text,
            )
            for n, (segment_id, text) in enumerate(segments)
        ],
    )


def test_updating_some_segments_changes_only_those(empty_index: SearchIndex) -> None:
    index = empty_index
    staff = frozenset({"a"})

    def found(words: str) -> list[tuple[str, str | None]]:
        hits = index.search(SearchQuery(words, draft_assemblies=staff)).hits
        return sorted((hit.segment_id, hit.speaker_name) for hit in hits)

    # Nothing indexed for the session yet: nothing to update, and nothing is made up.
    assert index.update_segments(_draft([("g1", "Kryetari hap seancën")]), {"g1"}) is None
    assert found("hap") == []
    index.index_minutes(
        _draft([("g1", "Kryetari hap seancën"), ("g2", "Buxheti u miratua"), ("g3", "Pika tjetër")])
    )
    # g1 corrected, g3 merged away, g4 split off: the partial draft holds g1 and g4 only.
    part = _draft([("g1", "Kryetarja mbyll seancën"), ("g4", "Shkollat e fshatit")])
    assert index.update_segments(part, {"g1", "g3", "g4"}) == 2
    assert found("mbyll") == [("g1", "Ana Kelmendi")]
    assert found("hap") == []
    assert found("tjetër") == []
    assert found("shkollat") == [("g4", "Ana Kelmendi")]
    assert found("buxheti") == [("g2", "Ana Kelmendi")]  # untouched, still there
    assert found("seancën") == [("g1", "Ana Kelmendi")]  # no stale copy of the old g1
