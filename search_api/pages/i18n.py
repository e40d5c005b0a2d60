"""Interface text of the pages ``kuvend serve`` draws itself (the secretariat's, the live
captions page): Albanian (default), Serbian (both scripts), English.

The catalogs are JSON files in ``search_api/pages/locales`` (the same keys in each); Serbian
Cyrillic is the Latin catalog transliterated (``kuvend.text``), placeholders kept. The page's
language is, in order: ``?lang=``, the ``kuvend_lang`` cookie the switch sets, the browser's
``Accept-Language`` (RFC 9110 §12.5.4 quality values), then Albanian.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from starlette.requests import Request

from kuvend.text import serbian_to_cyrillic

PageLanguage = Literal["sq", "sr", "sr-Cyrl", "en"]
#: The switch lists them in this order, each named in its own language.
PAGE_LANGUAGES: tuple[PageLanguage, ...] = get_args(PageLanguage)
LANGUAGE_NAMES: Mapping[PageLanguage, str] = {
    "sq": "Shqip",
    "sr": "Srpski",
    "sr-Cyrl": "Српски",
    "en": "English",
}
LANGUAGE_COOKIE = "kuvend_lang"
_LOCALES = Path(__file__).parent / "locales"
_FIELD = re.compile(r"(\{[a-z_]+\})")


@lru_cache(maxsize=4)
def _catalog(language: PageLanguage) -> Mapping[str, str]:
    if language == "sr-Cyrl":
        latin = _catalog("sr")
        return {key: _cyrillic(text) for key, text in latin.items()}
    texts: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text("utf-8"))
    return texts


def _cyrillic(text: str) -> str:
    parts = _FIELD.split(text)  # fields such as {count} stay as they are
    return "".join(part if _FIELD.fullmatch(part) else serbian_to_cyrillic(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Texts:
    """Looks up interface text: ``t("left_to_review", count=3)``; a missing key is a KeyError."""

    language: PageLanguage

    def __call__(self, key: str, **fields: object) -> str:
        text = _catalog(self.language)[key]
        return text.format(**fields) if fields else text

    @property
    def html_lang(self) -> str:
        """The ``lang`` attribute of the page (BCP 47)."""
        return {"sr": "sr-Latn"}.get(self.language, self.language)

    def catalog(self) -> Mapping[str, str]:
        """Every text, for the page's scripts (messages they show)."""
        return _catalog(self.language)


def _from_accept_language(header: str) -> PageLanguage | None:
    ranked: list[tuple[float, int, PageLanguage]] = []
    for order, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = _match(tag.strip().lower())
        if language is not None and quality > 0:
            ranked.append((-quality, order, language))
    return min(ranked)[2] if ranked else None


def _match(tag: str) -> PageLanguage | None:
    if tag.startswith("sq"):
        return "sq"
    if tag.startswith("sr"):
        return "sr-Cyrl" if "cyrl" in tag else "sr"
    if tag.startswith("en"):
        return "en"
    return None


def choose_language(request: Request) -> PageLanguage:
    """The language of the page for this request (see the module's docstring)."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in PAGE_LANGUAGES:
            return candidate
    return _from_accept_language(request.headers.get("accept-language", "")) or "sq"
