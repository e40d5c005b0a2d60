"""The search index at scale: OpenSearch through opensearch-py.

The analyzers reproduce ``kuvend.text.fold_for_search`` inside OpenSearch, so that both
backends match the same things:

- ``kuvend_cyrillic``: a mapping char filter from Serbian Cyrillic to Latin, generated from
  cyrtranslit's own Serbian table (the one ``fold_for_search`` uses), so ``скупштина`` and
  ``skupština`` meet;
- ``kuvend_dj``: ``đ``→``dj`` (before asciifolding, which would make it ``d``);
- ``lowercase`` and ``asciifolding``: case, ``ë ç č ć š ž`` and the other diacritics.

``text`` is analyzed that way; ``text.exact`` keeps diacritics (lower-cased only) and gives
hits holding the query's exact forms a large boost, which ranks them first as the SQLite
backend does. Snippets are made from the original text by the shared ``highlight`` so that
both backends show the same thing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator
from typing import Any, Final

from cyrtranslit.mapping import TRANSLIT_DICT
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import RequestError
from opensearchpy.helpers import bulk

from kuvend.config import Settings
from kuvend.errors import ConfigError, QueryError, TransientError
from kuvend.minutes import Minutes
from kuvend.query_language import ParsedQuery
from kuvend.search import (
    ALL_ASSEMBLIES,
    FacetCount,
    SearchHit,
    SearchQuery,
    SearchResults,
    agenda_title_at,
    year_of,
)
from kuvend.storage.index.snippets import stored_hit
from kuvend.text import fold_for_search

log = logging.getLogger(__name__)

#: Boost of a hit whose original text holds the query's exact forms (dominates BM25).
EXACT_BOOST: Final = 1000.0
_FACET_LIMIT: Final = 20
_MAX_DRAFT_SESSIONS: Final = 10_000


def cyrillic_mappings() -> list[str]:
    """``А => A`` rules for every Serbian Cyrillic letter (cyrtranslit's Serbian table)."""
    table: dict[str, str] = TRANSLIT_DICT["sr"]["tolatin"]
    return [f"{cyrillic} => {latin}" for cyrillic, latin in table.items()]


def index_body() -> dict[str, Any]:
    """Settings (analyzers) and mappings of the segments index."""
    return {
        "settings": {
            "analysis": {
                "char_filter": {
                    "kuvend_cyrillic": {"type": "mapping", "mappings": cyrillic_mappings()},
                    "kuvend_dj": {"type": "mapping", "mappings": ["đ => dj", "Đ => Dj"]},
                },
                "normalizer": {
                    "kuvend_lower": {"type": "custom", "filter": ["lowercase"]},
                },
                "analyzer": {
                    "kuvend_folded": {
                        "type": "custom",
                        "char_filter": ["kuvend_cyrillic", "kuvend_dj"],
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding"],
                    },
                    "kuvend_exact": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase"],
                    },
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "segment_id": {"type": "keyword"},
                "session_id": {"type": "keyword"},
                "status": {"type": "keyword"},
                "assembly": {"type": "keyword"},
                "session_title": {"type": "keyword"},
                "session_date": {"type": "date", "format": "strict_date_optional_time"},
                "year": {"type": "integer"},
                "speaker": {"type": "keyword"},
                "speaker_name": {"type": "keyword"},
                "member_id": {"type": "keyword"},
                "party": {"type": "keyword", "normalizer": "kuvend_lower"},
                "language": {"type": "keyword"},
                "start_s": {"type": "float"},
                "end_s": {"type": "float"},
                "agenda_title": {"type": "text", "analyzer": "kuvend_folded"},
                "text": {
                    "type": "text",
                    "analyzer": "kuvend_folded",
                    "fields": {"exact": {"type": "text", "analyzer": "kuvend_exact"}},
                },
            },
        },
    }


def documents(minutes: Minutes) -> Iterator[dict[str, Any]]:
    """The index documents of a session's segments (empty texts are skipped)."""
    session = minutes.session
    speakers = {speaker.id: speaker for speaker in minutes.speakers}
    for segment in minutes.segments:
        if not fold_for_search(segment.text).strip():
            continue
        speaker = speakers.get(segment.speaker or "")
        yield {
            "segment_id": segment.id,
            "session_id": session.id,
            "status": session.status,
            "assembly": session.assembly,
            "session_title": session.title,
            "session_date": session.date,
            "year": year_of(session.date),
            "speaker": segment.speaker,
            "speaker_name": speaker.name if speaker else None,
            "member_id": speaker.member_id if speaker else None,
            "party": speaker.party if speaker else None,
            "language": segment.language,
            "start_s": segment.start,
            "end_s": segment.end,
            "agenda_title": agenda_title_at(minutes, segment.start),
            "text": segment.text,
        }


def _clause_query(
    field: str, words: tuple[str, ...], *, phrase: bool, prefix: bool
) -> dict[str, Any]:
    text = " ".join(words)
    if prefix:
        return {"match_phrase_prefix": {field: {"query": text}}}
    if phrase:
        return {"match_phrase": {field: {"query": text}}}
    return {"match": {field: {"query": text, "operator": "and"}}}


def text_query(parsed: ParsedQuery) -> dict[str, Any]:
    """The ``bool`` query of a parsed query: clauses must (not) match; exact forms boost."""
    must = [
        _clause_query("text", c.words, phrase=c.phrase, prefix=c.prefix) for c in parsed.positive
    ]
    must_not = [
        _clause_query("text", c.words, phrase=c.phrase, prefix=c.prefix)
        for c in parsed.clauses
        if c.negated
    ]
    exact = {
        "bool": {
            "must": [
                _clause_query("text.exact", c.words, phrase=True, prefix=c.prefix)
                for c in parsed.positive
            ],
            "boost": EXACT_BOOST,
            "_name": "exact",
        }
    }
    return {"must": must, "must_not": must_not, "should": [exact]}


def visibility_filter(query: SearchQuery, draft_sessions: list[str]) -> dict[str, Any]:
    """Published rows, plus visible drafts, minus published rows their draft shadows."""
    published = {"term": {"status": "published"}}
    if not query.draft_assemblies:
        return published
    drafts: dict[str, Any] = {"bool": {"filter": [{"term": {"status": "draft"}}]}}
    if ALL_ASSEMBLIES not in query.draft_assemblies:
        drafts["bool"]["filter"].append({"terms": {"assembly": sorted(query.draft_assemblies)}})
    shadowed = {
        "bool": {"filter": [published], "must_not": [{"terms": {"session_id": draft_sessions}}]}
    }
    return {"bool": {"should": [drafts, shadowed], "minimum_should_match": 1}}


def filters(query: SearchQuery, draft_sessions: list[str]) -> list[dict[str, Any]]:
    """Every filter of a query (visibility first)."""
    clauses: list[dict[str, Any]] = [visibility_filter(query, draft_sessions)]
    terms = {
        "assembly": query.assembly,
        "session_id": query.session_id,
        "member_id": query.member_id,
        "language": query.language,
        "party": query.party.lower() if query.party else None,
    }
    clauses += [{"term": {field: value}} for field, value in terms.items() if value is not None]
    dates: dict[str, str] = {}
    if query.date_from is not None:
        dates["gte"] = query.date_from.isoformat()
    if query.date_to is not None:
        dates["lte"] = query.date_to.isoformat()
    if dates:
        clauses.append({"range": {"session_date": dates}})
    if query.agenda:
        clauses.append({"match_phrase": {"agenda_title": {"query": query.agenda}}})
    return clauses


def search_body(query: SearchQuery, draft_sessions: list[str] | None = None) -> dict[str, Any]:
    """The whole ``_search`` request body of a query (raises ``QueryError`` when malformed)."""
    parsed = query.parsed
    body: dict[str, Any] = {
        "query": {"bool": {**text_query(parsed), "filter": filters(query, draft_sessions or [])}},
        "sort": ["_score", {"session_date": "desc"}, {"start_s": "asc"}, {"segment_id": "asc"}],
        "from": query.offset,
        "size": query.limit,
        "track_total_hits": True,
    }
    if query.facets:
        body["aggs"] = {
            "assembly": {"terms": {"field": "assembly", "size": _FACET_LIMIT}},
            "member": {
                "terms": {"field": "member_id", "size": _FACET_LIMIT},
                "aggs": {"name": {"terms": {"field": "speaker_name", "size": 1}}},
            },
            "party": {"terms": {"field": "party", "size": _FACET_LIMIT}},
            "year": {"terms": {"field": "year", "size": _FACET_LIMIT}},
            "language": {"terms": {"field": "language", "size": _FACET_LIMIT}},
        }
    return body


class OpenSearchIndex:
    """``SearchIndex`` on an OpenSearch cluster."""

    name = "opensearch"

    def __init__(self, client: OpenSearch, index: str) -> None:
        self.client = client
        self.index = index
        self._ensure_index()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchIndex:
        """Connect to ``KUVEND_OPENSEARCH_URL`` and create the index if it is missing."""
        if not settings.opensearch_url:
            raise ConfigError("KUVEND_SEARCH_BACKEND=opensearch needs KUVEND_OPENSEARCH_URL")
        client = OpenSearch(hosts=[settings.opensearch_url], timeout=30)
        return cls(client, settings.opensearch_index)

    def _ensure_index(self) -> None:
        try:
            if not self.client.indices.exists(index=self.index):
                self.client.indices.create(index=self.index, body=index_body())
                log.info("created OpenSearch index %s", self.index)
        except OpenSearchConnectionError as error:
            raise TransientError(f"cannot reach OpenSearch: {error}") from error

    def index_minutes(self, minutes: Minutes) -> int:
        """Index a session's segments, replacing earlier rows (see ``SearchIndex``)."""
        session = minutes.session
        replaced = ["draft", "published"] if session.status == "published" else ["draft"]
        self._delete({"session_id": session.id}, replaced)
        actions = [
            {
                "_index": self.index,
                "_id": f"{session.id}:{session.status}:{document['segment_id']}",
                "_source": document,
            }
            for document in documents(minutes)
        ]
        indexed, _errors = bulk(self.client, actions, refresh="wait_for")
        log.info("indexed %d segments of session %s (%s)", indexed, session.id, session.status)
        return int(indexed)

    def update_segments(self, minutes: Minutes, segment_ids: Collection[str]) -> int | None:
        """Re-index just ``segment_ids`` of an indexed session (see ``SearchIndex``)."""
        session = minutes.session
        scope = [{"term": {"session_id": session.id}}, {"term": {"status": session.status}}]
        present = self.client.count(index=self.index, body={"query": {"bool": {"filter": scope}}})
        if not present.get("count"):
            return None
        wanted = sorted(set(segment_ids))
        self._delete({"session_id": session.id}, [session.status], segment_ids=wanted)
        actions = [
            {
                "_index": self.index,
                "_id": f"{session.id}:{session.status}:{document['segment_id']}",
                "_source": document,
            }
            for document in documents(minutes)
            if document["segment_id"] in wanted
        ]
        indexed, _errors = bulk(self.client, actions, refresh="wait_for")
        return int(indexed)

    def _delete(
        self, term: dict[str, str], statuses: list[str], *, segment_ids: list[str] | None = None
    ) -> int:
        scope: list[dict[str, Any]] = [{"term": term}, {"terms": {"status": statuses}}]
        if segment_ids is not None:
            scope.append({"terms": {"segment_id": segment_ids}})
        query = {"bool": {"filter": scope}}
        response = self.client.delete_by_query(
            index=self.index,
            body={"query": query},
            params={"refresh": "true", "conflicts": "proceed"},
        )
        return int(response.get("deleted", 0))

    def remove_session(self, session_id: str) -> int:
        """Remove every indexed segment of a session."""
        return self._delete({"session_id": session_id}, ["draft", "published"])

    def clear(self) -> None:
        """Remove everything (before a full reindex)."""
        self.client.delete_by_query(
            index=self.index,
            body={"query": {"match_all": {}}},
            params={"refresh": "true", "conflicts": "proceed"},
        )

    def _draft_sessions(self, query: SearchQuery) -> list[str]:
        if not query.draft_assemblies:
            return []
        scope = visibility_filter(query, [])["bool"]["should"][0]
        response = self.client.search(
            index=self.index,
            body={
                "size": 0,
                "query": scope,
                "aggs": {
                    "sessions": {"terms": {"field": "session_id", "size": _MAX_DRAFT_SESSIONS}}
                },
            },
        )
        return [bucket["key"] for bucket in response["aggregations"]["sessions"]["buckets"]]

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a query: matches on folded text, exact forms boosted first, then BM25."""
        began = time.perf_counter()
        parsed = query.parsed
        body = search_body(query, self._draft_sessions(query))
        try:
            response = self.client.search(index=self.index, body=body)
        except RequestError as error:
            raise QueryError(f"the search engine cannot run this query: {error.error}") from error
        hits = tuple(_hit(raw, parsed) for raw in response["hits"]["hits"])
        facets = _facets(response.get("aggregations", {}))
        took_ms = (time.perf_counter() - began) * 1000
        total = int(response["hits"]["total"]["value"])
        return SearchResults(hits, total, facets, backend=self.name, took_ms=took_ms)


def _hit(raw: dict[str, Any], parsed: ParsedQuery) -> SearchHit:
    exact = "exact" in raw.get("matched_queries", ())
    return stored_hit(raw["_source"], parsed, exact=exact, score=float(raw.get("_score") or 0.0))


def _facets(aggregations: dict[str, Any]) -> dict[str, tuple[FacetCount, ...]]:
    facets: dict[str, tuple[FacetCount, ...]] = {}
    for name, aggregation in aggregations.items():
        counts = []
        for bucket in aggregation["buckets"]:
            names = bucket.get("name", {}).get("buckets", [])
            label = names[0]["key"] if names else None
            counts.append(FacetCount(str(bucket["key"]), int(bucket["doc_count"]), label))
        facets[name] = tuple(counts)
    return facets
