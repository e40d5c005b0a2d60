"""``kuvend assemblies list|add|rename``: an assembly's names, refused ones in one line, and a
new name on every page of the site (Serbian pages in Serbian) once it is rebuilt."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree, html

import cli
from kuvend.config import Settings, get_settings
from search_api.app import create_app
from tests.publish.factories import SESSION
from tests.publish.test_review_storage import _stored_session

PRISHTINA = "Kuvendi i Komunës së Prishtinës"
PRISTINA = "Skupština opštine Priština"
PRISTINA_CYRILLIC = "Скупштина општине Приштина"


def _kuvend(monkeypatch: pytest.MonkeyPatch, *arguments: str) -> int:
    monkeypatch.setattr(sys, "argv", ["kuvend", *arguments])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return int(stopped.value.code or 0)


@pytest.fixture
def kuvend_on(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.MonkeyPatch:
    """``kuvend`` over ``database_url`` (SQLite, then PostgreSQL)."""
    monkeypatch.setenv("KUVEND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    return monkeypatch


def test_add_list_and_rename(
    kuvend_on: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _kuvend(kuvend_on, "assemblies", "list") == 0
    assert "No assemblies." in capsys.readouterr().out
    added = _kuvend(
        kuvend_on, "assemblies", "add", "prishtine", "--name", f"  {PRISHTINA} ",
        "--name-sr", PRISTINA, "--serbian-script", "cyrillic",
    )  # fmt: skip
    said = capsys.readouterr().out
    assert added == 0 and f"Added prishtine: {PRISHTINA} (Serbian: {PRISTINA})" in said
    assert "kuvend publish --rebuild-site" in said
    assert _kuvend(kuvend_on, "assemblies", "add", "zvecan", "--name", "Zveçan") == 0
    assert _kuvend(kuvend_on, "assemblies", "rename", "zvecan", "--name-sr", "Zvečan") == 0
    said = capsys.readouterr().out
    assert "Renamed zvecan: Zveçan (Serbian: Zvečan)." in said
    assert "kuvend publish --rebuild-site" in said
    assert _kuvend(kuvend_on, "assemblies", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"slug": "prishtine", "name": PRISHTINA, "name_sr": PRISTINA,
         "serbian_script": "cyrillic", "languages": ["sq", "sr"]},
        {"slug": "zvecan", "name": "Zveçan", "name_sr": "Zvečan",
         "serbian_script": "latin", "languages": ["sq", "sr"]},
    ]  # fmt: skip
    assert _kuvend(kuvend_on, "assemblies", "list") == 0
    table = capsys.readouterr().out
    assert "prishtine" in table and PRISTINA in table


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (("add", "prishtine", "--name", "Tjetër"), "assembly 'prishtine' exists"),
        (("add", "Prishtine", "--name", "X"), "'Prishtine': use lower-case letters"),
        (("add", "gjilan", "--name", "Gji\x00lan"), "control character U+0000 at position 3"),
        (("add", "gjilan", "--name", "   "), "the name is empty or only white space"),
        (("add", "gjilan", "--name", "x" * 201), "the name has 201 characters: at most 200"),
        (("add", "gjilan", "--name", "G", "--serbian-script", "greek"), "'greek' is not one of"),
        (("rename", "gjilan", "--name", "Gjilan"), "no assembly 'gjilan' (known: prishtine)"),
        (("rename", "prishtine"), "give --name, --name-sr or both"),
        (("rename", "prishtine", "--name-sr", "Pri\nština"), "control character U+000A"),
    ],
)
def test_a_refused_name_or_assembly_is_one_line_and_changes_nothing(
    kuvend_on: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: tuple[str, ...],
    says: str,
) -> None:
    assert _kuvend(kuvend_on, "assemblies", "add", "prishtine", "--name", PRISHTINA) == 0
    capsys.readouterr()
    assert _kuvend(kuvend_on, "assemblies", *arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith("kuvend: error: ") and says in error and error.count("\n") == 1, error
    assert _kuvend(kuvend_on, "assemblies", "list", "--json") == 0
    assert [(a["slug"], a["name"], a["name_sr"]) for a in json.loads(capsys.readouterr().out)] == [
        ("prishtine", PRISHTINA, None)
    ]


def _text(path: Path) -> str:
    return " ".join(html.fromstring(path.read_text("utf-8")).text_content().split())


def test_serbian_pages_show_the_serbian_name_and_a_rename_shows_after_a_rebuild(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    get_settings.cache_clear()
    slug = SESSION.assembly
    assert _kuvend(monkeypatch, "assemblies", "add", slug, "--name", PRISHTINA,
                   "--name-sr", PRISTINA) == 0  # fmt: skip
    session_id = _stored_session(settings.resolved_database_url)
    assert _kuvend(monkeypatch, "publish", session_id) == 0
    site = settings.resolved_site_dir
    for folder in (site, site / slug, site / slug / session_id, site / slug / "members"):
        assert PRISTINA in _text(folder / "index.sr.html"), folder
        for language in ("sq", "en"):
            page = _text(folder / f"index.{language}.html")
            assert PRISHTINA in page and PRISTINA not in page, folder
    assert PRISTINA_CYRILLIC in _text(site / "index.sr-Cyrl.html")
    feed = etree.parse(site / slug / "feed.atom")  # in the site's language, Albanian
    assert feed.findtext("{http://www.w3.org/2005/Atom}title") == f"{PRISHTINA} — Kuvend"

    capsys.readouterr()
    assert _kuvend(monkeypatch, "assemblies", "rename", slug, "--name", "Prishtina",
                   "--name-sr", "Priština") == 0  # fmt: skip
    assert "kuvend publish --rebuild-site" in capsys.readouterr().out
    assert PRISTINA in _text(site / slug / "index.sr.html")  # a static site: until rebuilt
    assert _kuvend(monkeypatch, "publish", "--rebuild-site") == 0
    for folder in (site, site / slug, site / slug / session_id):
        assert "Priština" in _text(folder / "index.sr.html") and PRISTINA not in _text(
            folder / "index.sr.html"
        )
        assert "Prishtina" in _text(folder / "index.sq.html")
    with TestClient(create_app(settings)) as client:
        assembly = client.get("/api/v1/assemblies").json()["data"][0]
        assert (assembly["name"], assembly["name_sr"]) == ("Prishtina", "Priština")
        served = client.get(f"/{slug}/", headers={"Accept-Language": "sr"})
        assert "Priština" in served.text
    get_settings.cache_clear()
