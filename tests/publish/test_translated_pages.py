"""Every word of the public site and its feed comes from the catalog of the page's language.

The catalogs are checked for completeness (same keys and placeholders in sq, sr and en; sq and
sr never the English text, units excepted; Cyrillic without Latin words but format names);
then a whole site is built and every page in every language (Serbian in both scripts) is read
as a user meets it: a word that is neither the page language's catalog text nor the content's
own fails the test (``tests/utils/untranslated.py``). So does the feed in each site language.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kuvend.domain import Gap, SessionInfo
from publish import build_minutes
from publish.front_door import write_calendars
from publish.i18n import UI_LANGUAGES, UiLanguage, catalog
from publish.revisions import set_agenda
from publish.site import Attachment, SiteAssembly, SiteSession, SiteVersion, build_site
from publish.static_search import build_static_search
from publish.versions import freeze
from tests.publish.factories import SEGMENTS, SESSION, SPEAKERS
from tests.utils.untranslated import content_of, describe, feed_text, page_text, untranslated

LOCALES = Path(__file__).resolve().parents[2] / "publish" / "locales"
#: Texts that are the same in every language: units ("5 min 3 s").
SAME_IN_EVERY_LANGUAGE = frozenset({"minutes_seconds", "seconds"})
#: Names a Cyrillic page keeps in Latin letters (formats, standards, the product).
LATIN_NAMES = frozenset(
    {"JSON", "SRT", "WebVTT", "TXT", "DOCX", "XML", "Akoma", "Ntoso", "Atom", "iCalendar", "SHA"}
)
ASSEMBLY_NAME = "Kuvendi Komunal i Prishtinës"
CYRILLIC_SESSION = SessionInfo(
    id="prishtina-2024-04-11",
    assembly="prishtina",
    title="Седница о буџету",
    date=SESSION.date.replace(month=4, day=11),
    languages=("sr", "sq"),
    serbian_script="cyrillic",
    gaps=(Gap(40.0, 42.0, "stream dropped"),),
)


#: Marko's answer overlaps another voice: its line carries the mark, worded per page language.
SPOKEN = (SEGMENTS[0], replace(SEGMENTS[1], overlap=True), *SEGMENTS[2:])


def _published(info: SessionInfo, hour: int) -> SiteVersion:
    minutes = build_minutes(
        info, SPOKEN, speakers=SPEAKERS, duration_s=52.0, status="draft", generator="tests"
    )
    minutes = set_agenda(minutes, [(0.0, "Hapja"), (30.0, "Rrugët")], user_id=None).minutes
    frozen = freeze(minutes, version=1)
    return SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 4, 12, hour, tzinfo=UTC))


def _assembly(tmp_path: Path) -> SiteAssembly:
    material = tmp_path / "rendi.pdf"
    material.write_bytes(b"%PDF-1.4\n")
    return SiteAssembly(
        "prishtina",
        ASSEMBLY_NAME,
        [
            SiteSession(
                [_published(SESSION, 9)], materials=[Attachment("Rendi i ditës", material)]
            ),
            SiteSession([_published(CYRILLIC_SESSION, 10)]),
        ],
    )


def _data(site: SiteAssembly) -> list[str]:
    """Everything on the pages that is content, not interface: the minutes' strings, names,
    codes and the languages' own names (the language switch names each in itself)."""
    strings: list[str] = [site.name, "Kuvend", "Rendi i ditës"]
    strings += [catalog(code)["language_name"] for code in UI_LANGUAGES] + ["Српски"]
    for item in site.sessions:
        for version in item.versions:
            strings += content_of(version.minutes)
            strings.append(version.sha256)
    return strings


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SiteAssembly]:
    tmp_path = tmp_path_factory.mktemp("translated")
    assembly = _assembly(tmp_path)
    root = tmp_path / "site"
    build_site(
        [assembly],
        root,
        base_url="https://kuvend.example",
        builders=[write_calendars, build_static_search],
    )
    return root, assembly


def _catalogs() -> dict[str, dict[str, str]]:
    return {
        language: json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
        for language in UI_LANGUAGES
    }


def test_every_catalog_has_every_key_with_the_same_placeholders() -> None:
    catalogs = _catalogs()
    english = catalogs["en"]
    for language, texts in catalogs.items():
        assert set(texts) == set(english), (language, set(texts) ^ set(english))
        for key, text in texts.items():
            fields = set(re.findall(r"\{(\w+)\}", text))
            assert fields == set(re.findall(r"\{(\w+)\}", english[key])), (language, key)


def test_albanian_and_serbian_texts_are_not_the_english_ones() -> None:
    catalogs = _catalogs()
    same = {
        (language, key)
        for language in ("sq", "sr")
        for key, text in catalogs[language].items()
        if text == catalogs["en"][key] and key not in SAME_IN_EVERY_LANGUAGE
    }
    assert same == set()


def test_the_cyrillic_catalog_has_no_latin_words_but_names() -> None:
    texts = catalog("sr", "cyrillic")
    latin = {
        (key, word)
        for key, text in texts.items()
        for word in re.findall(r"[A-Za-z]+", re.sub(r"\{\w+\}", "", text))
        if word not in LATIN_NAMES
    }
    assert latin == set()


def _page_language(path: Path) -> tuple[str, str]:
    """(interface language, Serbian script) of a generated page, from its name and lang."""
    language = path.name.split(".")[1].removesuffix("-Cyrl")  # the site index's index.sr-Cyrl
    script = "cyrillic" if 'lang="sr-Cyrl"' in path.read_text("utf-8")[:200] else "latin"
    return language, script


def test_every_page_of_the_site_is_in_its_language_only(site: tuple[Path, SiteAssembly]) -> None:
    root, assembly = site
    data = _data(assembly)
    pages = sorted(root.rglob("index.*.html"))
    kinds = {
        "site index": root / "index.sr.html",
        "site index in Cyrillic": root / "index.sr-Cyrl.html",
        "assembly": root / "prishtina" / "index.sr.html",
        "members": root / "prishtina" / "members" / "index.sr.html",
        "member": root / "prishtina" / "members" / "m-ana" / "index.sr.html",
        "session": root / "prishtina" / SESSION.id / "index.sr.html",
        "Cyrillic session": root / "prishtina" / CYRILLIC_SESSION.id / "index.sr.html",
        "search": root / "search" / "index.sr.html",
    }
    assert set(kinds.values()) <= set(pages), kinds
    problems = {}
    for path in pages:
        language, script = _page_language(path)
        found = untranslated(page_text(path.read_text("utf-8")), catalog(language, script), data)
        if found:
            problems[str(path.relative_to(root))] = describe(found)
    assert not problems, "\n".join(f"{page}:\n{text}" for page, text in problems.items())


def test_a_cyrillic_session_page_says_so_and_is_written_in_cyrillic(
    site: tuple[Path, SiteAssembly],
) -> None:
    root, _ = site
    page = (root / "prishtina" / CYRILLIC_SESSION.id / "index.sr.html").read_text("utf-8")
    assert '<html lang="sr-Cyrl">' in page
    assert catalog("sr", "cyrillic")["speakers"] in page
    assert catalog("sr")["speakers"] not in page


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_the_feed_is_in_the_sites_language(tmp_path: Path, language: UiLanguage) -> None:
    assembly = _assembly(tmp_path)
    root = tmp_path / "site"
    build_site([assembly], root, base_url="https://kuvend.example", ui_language=language)
    declared, pieces = feed_text((root / "prishtina" / "feed.atom").read_bytes())
    assert declared == language
    assert len(pieces) >= 5  # title, subtitle, and a title and a summary per version
    found = untranslated(pieces, catalog(language), _data(assembly))
    assert not found, describe(found)


def test_a_hard_coded_string_is_caught(site: tuple[Path, SiteAssembly]) -> None:
    """The check itself: English written into an Albanian page, or an Albanian label left on a
    Serbian one, is reported; the page as built is not."""
    root, assembly = site
    page = (root / "prishtina" / "index.sq.html").read_text("utf-8")
    sq = catalog("sq")
    assert not untranslated(page_text(page), sq, _data(assembly))
    english = page.replace("</main>", "<p>Minutes published by the assembly</p></main>")
    assert [item.words for item in untranslated(page_text(english), sq, _data(assembly))] == [
        ("Minutes", "published", "by", "the", "assembly")
    ]
    serbian = (root / "prishtina" / "index.sr.html").read_text("utf-8")
    mixed = serbian.replace("</main>", f'<a aria-label="{sq["play_from"]}">00:00:01</a></main>')
    assert untranslated(page_text(mixed), catalog("sr"), _data(assembly))
