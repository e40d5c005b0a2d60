"""Finding interface text that did not come from the page language's catalog.

A page (or a feed) is read as a user meets it: its text nodes and the attributes a browser
shows or reads aloud. From each piece, every catalog text of the page's language is removed
(placeholders match the values they stand for); the words left must be the content's own
(titles, names, what was said, codes), given as ``data``. A string written straight into a
template or the code, in any language, is left over, and so is a catalog text of another
language (an Albanian label on a Serbian page, a duration worded in Latin on a Cyrillic one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree, html

from kuvend.minutes import Minutes

#: Attributes whose text a browser shows or a screen reader reads.
VISIBLE_ATTRIBUTES = ("aria-label", "aria-description", "title", "placeholder", "alt")
#: Placeholders that stand for numbers, times and dates; any other stands for any text.
_NUMERIC_FIELDS = frozenset(
    {"count", "page", "pages", "h", "m", "s", "seconds", "time", "start", "end", "version",
     "limit", "date", "when"}
)  # fmt: skip
_FIELD = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Leftover:
    """A piece of a page with words that neither the catalog nor the content explains."""

    text: str
    words: tuple[str, ...]


def _pattern(template: str) -> str:
    parts = []
    for index, part in enumerate(_FIELD.split(template)):
        if index % 2 == 0:
            parts.append(re.escape(part))
        else:
            # A field may also be left for a script to fill: "{count} results".
            number = r"(?:[\d:.,\-\s]+|\{\w+\})"
            parts.append(number if part in _NUMERIC_FIELDS else r".+?")
    body = "".join(parts)
    # A catalog text is removed only as whole words: "in" must not eat the middle of "Minutes".
    start = r"(?<!\w)" if template[:1].isalnum() else ""
    end = r"(?!\w)" if template[-1:].isalnum() or template.endswith("}") else ""
    return start + body + end


@lru_cache(maxsize=16)
def _catalog_regexes(texts: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Every text; texts without placeholders; texts with them."""
    # Longest first, so that "Speaking time by speaker" goes before "Speaking time".
    ordered = sorted({text for text in texts if text.strip()}, key=len, reverse=True)
    plain = [_pattern(text) for text in ordered if not _FIELD.search(text)]
    templates = [_pattern(text) for text in ordered if _FIELD.search(text)]
    every = [_pattern(text) for text in ordered]
    return tuple(re.compile("|".join(group)) for group in (every, plain, templates))


def words_of(strings: Iterable[str]) -> frozenset[str]:
    """The words (letters only, case-folded) in ``strings``."""
    return frozenset(word.casefold() for text in strings for word in _WORD.findall(text))


def untranslated(
    pieces: Iterable[str], catalog: Mapping[str, str], data: Iterable[str]
) -> list[Leftover]:
    """The ``pieces`` of interface text with words from neither ``catalog`` nor ``data``."""
    every, plain, templates = _catalog_regexes(tuple(catalog.values()))
    known = words_of(data)
    found = []
    for piece in pieces:
        # Longest text first ("Open at {time}" before "at"), or plain texts first, for a text
        # that is a field of another ("Remove the filter {name}" around "From: 2024-01-01").
        strangers = min(
            (
                tuple(word for word in _WORD.findall(rest) if word.casefold() not in known)
                for rest in (every.sub(" ", piece), templates.sub(" ", plain.sub(" ", piece)))
            ),
            key=len,
        )
        if strangers:
            found.append(Leftover(piece.strip(), strangers))
    return found


def page_text(document: str) -> list[str]:
    """What a reader of the HTML ``document`` sees or hears: text nodes and visible attributes,
    and the messages the page hands its scripts (``data-*`` attributes holding a sentence)."""
    tree = html.fromstring(document)
    pieces = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "template"):
            if isinstance(element.tag, str) and element.tail and element.tail.strip():
                pieces.append(element.tail)
            continue
        for text in (element.text, element.tail):
            if text and text.strip():
                pieces.append(text)
        for name, value in element.attrib.items():
            visible = name in VISIBLE_ATTRIBUTES
            message = name.startswith("data-") and " " in value.strip()
            if value.strip() and (visible or message):
                pieces.append(value)
        if element.tag == "input" and element.get("type") in ("submit", "button", "reset"):
            pieces.append(element.get("value", ""))
    return pieces


def feed_text(document: bytes) -> tuple[str, list[str]]:
    """The ``xml:lang`` of an Atom feed and the text a feed reader shows: titles, subtitle,
    summaries and contents."""
    root = etree.fromstring(document)
    atom = "{http://www.w3.org/2005/Atom}"
    shown = {f"{atom}{name}" for name in ("title", "subtitle", "summary", "content", "rights")}
    pieces = [element.text for element in root.iter() if element.tag in shown and element.text]
    return root.get("{http://www.w3.org/XML/1998/namespace}lang", ""), pieces


def content_of(minutes: Minutes) -> list[str]:
    """The strings of ``minutes`` a page shows as they are: titles, ids, names, parties, what
    was said (not its codes, such as ``status``: those must be worded by the catalog)."""
    session = minutes.session
    strings = [session.id, session.title, session.assembly]
    strings += [item.title for item in session.agenda]
    for speaker in minutes.speakers:
        strings += [speaker.id, speaker.name or "", speaker.party or "", speaker.member_id or ""]
    strings += [segment.text for segment in minutes.segments]
    return strings


def describe(found: Iterable[Leftover]) -> str:
    """A failure message: each piece and the words nothing explains."""
    return "\n".join(f"{', '.join(item.words)!s:>30} in {item.text[:120]!r}" for item in found)
