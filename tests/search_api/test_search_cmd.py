"""The search commands: ``kuvend search``, ``reindex``, ``users add``, ``apikeys create``,
``serve``. Most run in-process through Typer's runner (one import of the CLI instead of one
per call); the one-line error and ``serve`` run as real subprocesses."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.app import app
from kuvend.config import Settings
from kuvend.storage.db import migrate
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from search_api.signing_key import KEY_FILE
from tests.search_api.corpus import build_corpus
from tests.search_api.seed import TEST_HASH_MEMORY_KIB, seed

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _run(*args: str, **env: str) -> str:
    result = runner.invoke(app, list(args), env=env or None, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _search_json(*args: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_run("search", *args, "--json"))
    return document


def _index_corpus(settings: Settings) -> None:
    index = SqliteFtsIndex(sqlite_index_path(settings))
    for minutes in build_corpus():
        index.index_minutes(minutes)
    index.close()


def test_search_prints_hits_with_session_speaker_time_and_snippet(settings: Settings) -> None:
    _index_corpus(settings)
    output = _run("search", "keshilli")
    assert "prishtine" in output and "Këshilli" in output
    assert "Seanca e Kuvendit Komunal 2023-05-10" in output


def test_search_json_includes_drafts_marked_as_such(settings: Settings) -> None:
    _index_corpus(settings)
    document = _search_json("kontest", "--assembly", "prishtine", "--limit", "100")
    assert "draft" in {hit["status"] for hit in document["hits"]}
    hit = document["hits"][0]
    assert {"session_id", "speaker", "start_s", "snippet"} <= hit.keys()
    assert "<mark>" in hit["snippet"]


def test_a_query_that_starts_with_an_exclusion_is_a_query_not_an_option(
    settings: Settings,
) -> None:
    _index_corpus(settings)
    everything = _search_json("keshill*", "--limit", "1000")
    excluded = _search_json("-kontestuese", "keshill*", "--limit", "1000")
    assert 0 < excluded["total"] < everything["total"]
    assert not any("kontestuese" in hit["text"].lower() for hit in excluded["hits"])


def test_cyrillic_search_on_the_command_line_finds_latin(settings: Settings) -> None:
    _index_corpus(settings)
    document = _search_json("скупштина")
    assert document["total"] >= 1
    assert "graqanice" in {hit["assembly"] for hit in document["hits"]}


def test_malformed_query_is_a_one_line_error(settings: Settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kuvend", "search", '"unclosed phrase'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kuvend: error: unbalanced quote")
    assert len(result.stderr.strip().splitlines()) == 1


def test_reindex_rebuilds_the_index_from_the_database(settings: Settings) -> None:
    migrate(settings.resolved_database_url)
    seed(settings, build_corpus(), SqliteFtsIndex(settings.data_dir / "elsewhere.search.db"))
    assert _search_json("keshilli")["total"] == 0  # the configured index is still empty
    result = runner.invoke(app, ["reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 published session(s), 1 draft(s)" in result.stderr
    assert _search_json("keshilli")["total"] >= 1
    drafts = _search_json("kontest", "--limit", "100")
    assert "draft" in {hit["status"] for hit in drafts["hits"]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _kuvend_serve() -> Iterator[str]:
    """``kuvend serve`` on a free port, as a user starts it; yields the API's base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kuvend", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        assert _wait_for(f"{base}/health", server).json()["status"] == "ok"
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 120
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            assert server.poll() is None, "kuvend serve exited"
            assert time.monotonic() < deadline, "kuvend serve did not answer in 120 s"
            time.sleep(0.3)


def test_users_apikeys_and_serve_work_together(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 MiB argon2 instead of 64: signing in under test load takes ms, not seconds.
    monkeypatch.setenv("KUVEND_PASSWORD_HASH_MEMORY_KIB", str(TEST_HASH_MEMORY_KIB))
    password = "a long enough password"
    added = _run(
        "users",
        "add",
        "ana@prishtine.example",
        "--assembly",
        "prishtine",
        "--new-assembly",
        KUVEND_NEW_USER_PASSWORD=password,
    )
    assert "secretariat of prishtine" in added
    api_key = _run("apikeys", "create", "--owner", "Koha Ditore").strip()
    assert api_key.startswith("kv_")

    with _kuvend_serve() as base:
        keyed = httpx.get(f"{base}/sessions", headers={"X-API-Key": api_key})
        assert keyed.status_code == 200
        assert keyed.headers["X-RateLimit-Limit"] == "120"
        assert keyed.headers["X-RateLimit-Remaining"] == "119"
        token = httpx.post(
            f"{base}/auth/token", data={"username": "ana@prishtine.example", "password": password}
        )
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert httpx.get(f"{base}/auth/me", headers=bearer).json()["assembly"] == "prishtine"
    # Without KUVEND_SECRET_KEY the signing key was kept in the data folder, owner-only, so a
    # restarted server (a new process) still accepts the token: nobody is signed out.
    assert stat.S_IMODE((settings.data_dir / KEY_FILE).stat().st_mode) == 0o600
    with _kuvend_serve() as base:
        assert httpx.get(f"{base}/auth/me", headers=bearer).status_code == 200


def test_serve_shows_the_front_door_before_anything_is_published(settings: Settings) -> None:
    # Every page header links to /, which answered a 404 JSON until the first publish.
    with _kuvend_serve() as base:
        home = httpx.get(base.removesuffix("/api/v1") + "/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert "Ende nuk është publikuar asnjë procesverbal." in home.text
    assert stat.S_IMODE(settings.resolved_site_dir.stat().st_mode) == 0o755


def test_serve_on_a_port_in_use_says_so_in_one_line_before_announcing(
    settings: Settings,
) -> None:
    # It used to print "Kuvend API on http://…", then uvicorn's ERROR lines, and exit 3.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "kuvend", "serve", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"kuvend: error: port {port} on 127.0.0.1 is in use (choose another with --port)\n"
    )
