"""Script conversion and search folding for Albanian and Serbian text.

Serbian is written in Latin and Cyrillic; the minutes use the assembly's choice and search
must find either. Transliteration is cyrtranslit's (Serbian tables); folding for search is
lower-case, Latin, without diacritics, with ``đ`` spelt ``dj`` (SQLite's ``unicode61``
tokenizer strips most diacritics but leaves ``đ`` alone, so both sides map it first).
"""

import unicodedata

import cyrtranslit

from kuvend.types import SerbianScript

_CYRILLIC_BLOCK = range(0x0400, 0x0500)


def has_cyrillic(text: str) -> bool:
    """True when any letter of ``text`` is Cyrillic."""
    return any(ord(char) in _CYRILLIC_BLOCK for char in text)


def has_latin(text: str) -> bool:
    """True when any letter of ``text`` is Latin (ASCII or Latin Extended)."""
    return any(char.isalpha() and ord(char) < 0x0250 for char in text)


def serbian_to_latin(text: str) -> str:
    """Serbian Cyrillic to Latin (Gaj's alphabet); Latin input is returned as it is."""
    return str(cyrtranslit.to_latin(text, "sr")) if has_cyrillic(text) else text


_SERBIAN_MARKED_LETTERS = frozenset("čćšžđČĆŠŽĐ")


def _without_foreign_marks(text: str) -> str:
    """``í``, ``é``, ``ä``… (which the recogniser sometimes writes) as their base letters.

    Gaj's alphabet marks only č ć š ž đ; any other accented Latin letter has no Cyrillic
    counterpart and would stay Latin inside Cyrillic text.
    """
    return "".join(
        char
        if char in _SERBIAN_MARKED_LETTERS or not char.isalpha()
        else "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        for char in text
    )


def serbian_to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic.

    Latin→Cyrillic cannot always tell a digraph from two letters (``nadživeti``), so the
    Cyrillic form of text recognised in Latin may be wrong in rare words; Cyrillic→Latin is exact.
    """
    if not has_latin(text):
        return text
    return str(cyrtranslit.to_cyrillic(_without_foreign_marks(text), "sr"))


def serbian_in_script(text: str, script: SerbianScript) -> str:
    """Serbian ``text`` written in ``script``."""
    return serbian_to_latin(text) if script == "latin" else serbian_to_cyrillic(text)


def name_for_page(name: str, name_sr: str | None, *, page_language: str) -> str:
    """The name a page in ``page_language`` (``sq``, ``sr``, ``sr-Cyrl``, ``en``) shows of
    something named ``name`` with a Serbian form ``name_sr`` (an assembly): ``name_sr`` on
    Serbian pages, in the page's script (``sr-Cyrl``: Cyrillic); ``name`` on the others."""
    if not page_language.startswith("sr") or not name_sr:
        return name
    return serbian_in_script(name_sr, "cyrillic" if page_language == "sr-Cyrl" else "latin")


def fold_for_search(text: str) -> str:
    """Text as the search index stores it and matches it: lower-case ASCII-ish Latin.

    ``Këshilli`` → ``keshilli``, ``Ђорђе`` → ``djordje``, ``čćšž`` → ``ccsz``.
    """
    latin = serbian_to_latin(text).lower().replace("đ", "dj")
    decomposed = unicodedata.normalize("NFKD", latin)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
