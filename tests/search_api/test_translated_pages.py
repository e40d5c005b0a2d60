"""The pages ``kuvend serve`` draws (the search page and its feed, the live captions page, the
secretariat's sign-in, sessions and editor) are in the language asked for, every word from
its catalog.

As for the static site (``tests/publish/test_translated_pages.py``): each page is read as a
user meets it, and a word that is neither the page language's catalog text nor the content's
own (titles, names, what was said, the query typed) fails the test. The secretariat's
catalogs are checked for completeness too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from publish.i18n import catalog
from search_api.app import create_app
from search_api.pages.i18n import PAGE_LANGUAGES, Texts
from tests.search_api.conftest import Api
from tests.search_api.routes.test_access import DRAFT
from tests.search_api.seed import LIVE_B, LIVE_B_TITLE
from tests.secretariat.conftest import SEGMENTS, SESSION_ID, TITLE, seeded
from tests.secretariat.seed import ASSEMBLY_NAME, EMAIL, MEMBERS, PASSWORD
from tests.utils.untranslated import content_of, describe, feed_text, page_text, untranslated
from workers.actions import PipelineActions

LOCALES = Path(__file__).resolve().parents[2] / "search_api" / "pages" / "locales"
#: What a search page's query string says, and what it must show in each language.
SEARCHES: tuple[Mapping[str, str], ...] = (
    {},
    {"q": "skupstina"},
    {"q": "keshilli", "assembly": "zvecan"},  # nothing found: suggestions
    {"q": '"seanca'},  # malformed
    {"q": "buxheti", "from": "dje"},  # not a date
)


def _site_catalog(language: str) -> Mapping[str, str]:
    if language == "sr-Cyrl":
        return catalog("sr", "cyrillic")
    return catalog(language)


def _search_data(api: Api) -> list[str]:
    strings = ["Kuvend", "Shqip", "Srpski", "Српски", "English"]
    strings += [row["name"] for row in api.client.get("/api/v1/assemblies").json()["data"]]
    strings += [value for search in SEARCHES for value in search.values()]
    for minutes in api.corpus:
        strings += content_of(minutes)
    return strings


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_the_search_page_is_in_its_language_only(sqlite_api: Api, language: str) -> None:
    data = _search_data(sqlite_api)
    problems = []
    for search in SEARCHES:
        response = sqlite_api.client.get("/search", params={**search, "lang": language})
        assert response.status_code in (200, 400), response.text
        found = untranslated(page_text(response.text), _site_catalog(language), data)
        if found:
            problems.append(f"{dict(search)}:\n{describe(found)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_a_search_feed_is_in_its_language_only(sqlite_api: Api, language: str) -> None:
    response = sqlite_api.client.get("/search.atom", params={"q": "skupstina", "lang": language})
    declared, pieces = feed_text(response.content)
    assert declared == language.split("-")[0]
    assert len(pieces) > 1
    found = untranslated(pieces, _site_catalog(language), _search_data(sqlite_api))
    assert not found, describe(found)


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_the_live_page_is_in_its_language_only(sqlite_api: Api, language: str) -> None:
    """Live and not live (404), with the status messages its script shows (``<template>``)."""
    texts = Texts(language)
    data = ["Kuvend", "Shqip", "Srpski", "Српски", "English", LIVE_B_TITLE]
    problems = []
    for session_id, status in ((LIVE_B, 200), (DRAFT, 404)):
        # The browser asks for another language: the switch (?lang=) wins.
        page = sqlite_api.client.get(
            f"/live/{session_id}", params={"lang": language}, headers={"Accept-Language": "de"}
        )
        assert page.status_code == status, page.text
        assert f'<html lang="{texts.html_lang}">' in page.text
        pieces = page_text(page.text)
        assert pieces, page.text
        if found := untranslated(pieces, texts.catalog(), data):
            problems.append(f"/live/{session_id}:\n{describe(found)}")
    live = page_text(sqlite_api.client.get(f"/live/{LIVE_B}", params={"lang": language}).text)
    for key in ("live_captions", "live_waiting", "live_ended", "live_reconnecting", "live"):
        assert texts(key) in live, key
    assert not problems, "\n".join(problems)


def _catalogs() -> dict[str, dict[str, str]]:
    return {
        language: json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
        for language in ("sq", "sr", "en")
    }


def test_the_secretariat_catalogs_have_every_key_and_no_english_in_sq_or_sr() -> None:
    catalogs = _catalogs()
    english = catalogs["en"]
    for language, texts in catalogs.items():
        assert set(texts) == set(english), (language, set(texts) ^ set(english))
        for key, text in texts.items():
            fields = set(re.findall(r"\{(\w+)\}", text))
            assert fields == set(re.findall(r"\{(\w+)\}", english[key])), (language, key)
    same = {
        (language, key)
        for language in ("sq", "sr")
        for key, text in catalogs[language].items()
        if text == english[key]
    }
    assert same == set()


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The secretariat's pages, before and after signing in (cookies kept by the client)."""
    settings = seeded(tmp_path_factory.mktemp("translated") / "data")
    with TestClient(create_app(settings, actions=PipelineActions(settings))) as client:
        yield client


def _sign_in(client: TestClient) -> None:
    form = client.get("/secretariat/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text
    signed = client.post(
        "/secretariat/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf": token[1]},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _secretariat_data() -> list[str]:
    strings = ["Kuvend", "Shqip", "Srpski", "Српски", "English", ASSEMBLY_NAME, TITLE, SESSION_ID]
    strings += [EMAIL, *MEMBERS.values(), *MEMBERS, "S1", "S2", "S3"]
    strings += [segment.text for segment in SEGMENTS]
    # The editor's keyboard shortcuts name keys as they are printed on them.
    strings += ["Alt", "Ctrl", "Enter", "K", "J", "N", "E", "S", "M"]
    return strings


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_the_secretariat_pages_are_in_their_language_only(clerk: TestClient, language: str) -> None:
    texts = Texts(language).catalog()
    data = _secretariat_data()
    clerk.cookies.clear()
    paths = ["/secretariat/signin"]
    problems = []
    for path in paths:
        page = clerk.get(path, params={"lang": language})
        assert page.status_code == 200
        if found := untranslated(page_text(page.text), texts, data):
            problems.append(f"{path}:\n{describe(found)}")
    _sign_in(clerk)
    for path in ("/secretariat/sessions", f"/secretariat/sessions/{SESSION_ID}"):
        page = clerk.get(path, params={"lang": language})
        assert page.status_code == 200, page.text
        assert f'lang="{Texts(language).html_lang}"' in page.text[:200]
        if found := untranslated(page_text(page.text), texts, data):
            problems.append(f"{path}:\n{describe(found)}")
    assert not problems, "\n".join(problems)
