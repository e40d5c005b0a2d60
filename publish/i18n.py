"""Interface text of the public pages in Albanian, Serbian and English.

The catalogs are JSON files in ``publish/locales`` (one per language, the same keys in each),
so that a translator edits text without touching code. Serbian is written in Latin; an
assembly that writes its minutes in Cyrillic gets its interface transliterated too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

from kuvend.text import name_for_page, serbian_to_cyrillic
from kuvend.types import SerbianScript

UiLanguage = Literal["sq", "sr", "en"]

#: Interface languages, in the order the language switcher lists them.
UI_LANGUAGES: tuple[UiLanguage, ...] = get_args(UiLanguage)

_LOCALES = Path(__file__).parent / "locales"


@lru_cache(maxsize=8)
def catalog(language: str, script: SerbianScript = "latin") -> MappingProxyType[str, str]:
    """The interface text of ``language``; unknown languages raise ``ValueError``."""
    if language not in UI_LANGUAGES:
        raise ValueError(f"unknown interface language {language!r}; choose from {UI_LANGUAGES}")
    texts: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text("utf-8"))
    if language == "sr" and script == "cyrillic":
        texts = {key: _cyrillic_keeping_fields(value) for key, value in texts.items()}
    return MappingProxyType(texts)


def _cyrillic_keeping_fields(text: str) -> str:
    # Placeholders such as {label} and format names (JSON, SRT) stay in Latin.
    parts = text.replace("}", "{").split("{")
    converted = [
        part if index % 2 else serbian_to_cyrillic(part) for index, part in enumerate(parts)
    ]
    out = ""
    for index, part in enumerate(converted):
        out += "{" + part + "}" if index % 2 else part
    names = ("JSON", "SRT", "WebVTT", "TXT", "DOCX", "XML", "Akoma Ntoso", "Atom", "iCalendar")
    for name in (*names, "SHA-256"):
        out = out.replace(serbian_to_cyrillic(name), name)
    return out


@dataclass(frozen=True, slots=True)
class Translator:
    """Looks up interface text: ``t("play_from", time="00:01:02")``."""

    language: UiLanguage
    script: SerbianScript = "latin"

    def __call__(self, key: str, **fields: object) -> str:
        """The text for ``key`` with ``fields`` filled in; a missing key raises ``KeyError``."""
        text = catalog(self.language, self.script)[key]
        return text.format(**fields) if fields else text

    def count(self, key: str, count: int, **fields: object) -> str:
        """The text for ``count`` things: ``key_one`` where the language says one (Albanian
        and English: 1; Serbian: 1, 21, 31, … but not 11), else ``key``."""
        one = (count % 10 == 1 and count % 100 != 11) if self.language == "sr" else count == 1
        return self(f"{key}_one" if one else key, count=count, **fields)

    def duration(self, seconds: float) -> str:
        """A speaking time a reader takes in at a glance: ``2 min 5 s``."""
        whole = round(seconds)
        hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
        if hours:
            return self("hours_minutes_seconds", h=hours, m=minutes, s=secs)
        if minutes:
            return self("minutes_seconds", m=minutes, s=secs)
        return self("seconds", s=secs)


@dataclass(frozen=True, slots=True)
class Named:
    """A name with its own Serbian form (an assembly's): ``serbian`` on Serbian pages, written
    in the page's script, and ``name`` on the others (and on Serbian ones when it is ``None``)."""

    name: str
    serbian: str | None = None

    def on_page(self, t: Translator) -> str:
        """The name a page in ``t``'s language and script shows."""
        cyrillic = t.language == "sr" and t.script == "cyrillic"
        return name_for_page(
            self.name, self.serbian, page_language="sr-Cyrl" if cyrillic else t.language
        )
