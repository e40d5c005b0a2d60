"""The operator's commands: ``kuvend sessions``, ``users``, ``apikeys``; ids printed whole.

Typer's runner is not a terminal, as when an operator pipes the output into another command;
``COLUMNS=40`` is a narrow window that must not cut an id either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from kuvend.config import Settings
from kuvend.errors import NotFoundError
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.index import SqliteFtsIndex, sqlite_index_path
from kuvend.storage.tables import AssemblyRow
from search_api.accounts import find_api_key, get_active_user
from tests.search_api.corpus import build_corpus
from tests.search_api.seed import TEST_HASH_MEMORY_KIB, Accounts, seed

runner = CliRunner()
NARROW = {"COLUMNS": "40"}


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), env=NARROW)
    assert result.exit_code == 0, result.output
    return result.output


def _json(*args: str) -> Any:
    return json.loads(_run(*args, "--json"))


@pytest.fixture
def seeded(settings: Settings) -> Accounts:
    migrate(settings.resolved_database_url)
    index = SqliteFtsIndex(sqlite_index_path(settings))
    accounts = seed(
        settings.model_copy(update={"password_hash_memory_kib": TEST_HASH_MEMORY_KIB}),
        build_corpus(),
        index,
    )
    index.close()
    return accounts


def _lines_with(output: str, text: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]


def test_sessions_list_prints_every_id_whole_with_status_and_versions(seeded: Accounts) -> None:
    listed = _json("sessions", "list")
    assert {"draft", "published", "recording"} <= {s["status"] for s in listed}
    table = _run("sessions", "list")
    for session in listed:
        (line,) = _lines_with(table, session["id"])  # whole, and on one line
        assert session["status"] in line
    published = next(s for s in listed if s["status"] == "published")
    assert published["versions"] == 1
    assert {s["status"] for s in _json("sessions", "list", "--status", "draft")} == {"draft"}


def test_sessions_show_gives_status_progress_and_versions(seeded: Accounts) -> None:
    published = _json("sessions", "list", "--status", "published")[0]
    shown = _json("sessions", "show", published["id"])
    assert shown["status"] == "published"
    assert [v["version"] for v in shown["versions"]] == [1]
    assert len(shown["versions"][0]["sha256"]) == 64
    assert shown["progress"]["chunk_count"] == len(shown["progress"]["chunks"])
    text = _run("sessions", "show", published["id"])
    assert _lines_with(text, published["id"]) and _lines_with(text, shown["versions"][0]["sha256"])
    missing = runner.invoke(app, ["sessions", "show", "nope"])
    assert isinstance(missing.exception, NotFoundError)


def test_members_list_keeps_ids_whole_in_a_narrow_window(seeded: Accounts) -> None:
    members = _json("members", "list")
    assert members
    table = _run("members", "list")
    assert all(len(_lines_with(table, member["id"])) == 1 for member in members)


def test_a_disabled_user_cannot_sign_in(settings: Settings, seeded: Accounts) -> None:
    users = _json("users", "list")
    assert {u["email"] for u in users} == {seeded.email_a, seeded.email_b}
    assert all(u["active"] for u in users)
    assert "Disabled" in _run("users", "disable", seeded.email_a)
    by_email = {u["email"]: u for u in _json("users", "list")}
    assert not by_email[seeded.email_a]["active"] and by_email[seeded.email_b]["active"]
    table = _run("users", "list")
    assert "disabled" in _lines_with(table, by_email[seeded.email_a]["id"])[0]
    with session_scope(settings.resolved_database_url) as db:
        assert get_active_user(session=db, user_id=by_email[seeded.email_a]["id"]) is None
    missing = runner.invoke(app, ["users", "disable", "nobody@example.org"])
    assert isinstance(missing.exception, NotFoundError)  # main() prints it on one line


def test_a_revoked_api_key_is_refused(settings: Settings, seeded: Accounts) -> None:
    plaintext = _run("apikeys", "create", "--owner", "Koha Ditore").splitlines()[0]
    (key,) = _json("apikeys", "list")
    assert (
        key["owner"] == "Koha Ditore" and key["active"] and plaintext.startswith(key["starts_with"])
    )
    assert plaintext not in _run("apikeys", "list")
    _run("apikeys", "revoke", key["id"])
    assert not _json("apikeys", "list")[0]["active"]
    with session_scope(settings.resolved_database_url) as db:
        assert find_api_key(session=db, plaintext=plaintext) is None


def test_users_add_help_does_not_call_the_password_required() -> None:
    help_text = _run("users", "add", "--help")
    password_lines = " ".join(_lines_with(help_text, "password"))
    assert "required" not in password_lines.lower()


def test_users_add_refuses_an_unknown_assembly_and_a_non_email(
    settings: Settings, seeded: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slug typo used to create a public assembly (it appeared on the home page).
    monkeypatch.setenv("KUVEND_NEW_USER_PASSWORD", "a long enough password")
    monkeypatch.setenv("KUVEND_PASSWORD_HASH_MEMORY_KIB", str(TEST_HASH_MEMORY_KIB))
    typo = runner.invoke(app, ["users", "add", "typo@x.example", "--assembly", "prishtin"])
    assert isinstance(typo.exception, NotFoundError)  # main() prints it on one line, exit 2
    assert "no assembly 'prishtin' (known: " in str(typo.exception)
    assert "prishtine" in str(typo.exception) and "--new-assembly" in str(typo.exception)
    for email in ("notanemail", "a@b", "two words@x.example", "@x.example"):
        refused = runner.invoke(app, ["users", "add", email, "--assembly", "prishtine"])
        assert refused.exit_code == 2 and "is not an email address" in refused.output, email
    assert {u["email"] for u in _json("users", "list")} == {seeded.email_a, seeded.email_b}
    with session_scope(settings.resolved_database_url) as db:
        assert db.get(AssemblyRow, "prishtin") is None
    added = _run(
        "users", "add", "clerk@new.example", "--assembly", "fushe-kosove", "--new-assembly"
    )
    assert "secretariat of fushe-kosove" in added
    with session_scope(settings.resolved_database_url) as db:
        assert db.get(AssemblyRow, "fushe-kosove") is not None
