"""``kuvend search`` on the command line: the operator's view, drafts included and marked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kuvend.config import Settings
from search_api.index import SqliteFtsIndex, sqlite_index_path
from tests.search_api.corpus import build_corpus

ROOT = Path(__file__).resolve().parents[2]


def _kuvend(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _index_corpus(settings: Settings) -> None:
    index = SqliteFtsIndex(sqlite_index_path(settings))
    for minutes in build_corpus():
        index.index_minutes(minutes)
    index.close()


def test_search_prints_hits_with_session_speaker_time_and_snippet(settings: Settings) -> None:
    _index_corpus(settings)
    result = _kuvend("search", "keshilli")
    assert result.returncode == 0, result.stderr
    assert "prishtine" in result.stdout
    assert "Këshilli" in result.stdout
    assert "Seanca e Kuvendit Komunal 2023-05-10" in result.stdout


def test_search_json_includes_drafts_marked_as_such(settings: Settings) -> None:
    _index_corpus(settings)
    result = _kuvend("search", "kontest", "--assembly", "prishtine", "--json", "--limit", "100")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    statuses = {hit["status"] for hit in document["hits"]}
    assert "draft" in statuses
    hit = document["hits"][0]
    assert {"session_id", "speaker", "start_s", "snippet"} <= hit.keys()
    assert "<mark>" in hit["snippet"]


def test_cyrillic_search_on_the_command_line_finds_latin(settings: Settings) -> None:
    _index_corpus(settings)
    document = json.loads(_kuvend("search", "скупштина", "--json").stdout)
    assert document["total"] >= 1
    assert "graqanice" in {hit["assembly"] for hit in document["hits"]}


def test_malformed_query_is_a_one_line_error(settings: Settings) -> None:
    _index_corpus(settings)
    result = _kuvend("search", '"unclosed phrase')
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kuvend: error: unbalanced quote")
    assert len(result.stderr.strip().splitlines()) == 1
