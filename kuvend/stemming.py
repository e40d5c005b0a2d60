"""Inflection-aware matching: the stem a search word is also prefix-matched by.

``budžet`` finds ``budžetu`` and ``budžeta``; ``buxheti`` finds ``buxhetin`` and ``buxhetit``.
Serbian words go through the Snowball Serbian stemmer (``snowballstemmer``, the algorithm of
Milošević and Stanković, https://snowballstem.org/algorithms/serbian/stemmer.html); Albanian has
no Snowball stemmer, so a short list of its commonest noun and verb endings (definite and
plural case endings, the past participle, present-tense person endings) is stripped instead.

A word's stem is the shorter of the two (a query has no language: ``budzet`` may be either),
but never shorter than ``MIN_STEM`` letters, and only for words long enough that an ending is
likely (``MIN_WORD``): a short stem as a prefix would match unrelated words. Stems are in the
folded form the index stores (``kuvend.text.fold_for_search``). How these figures were chosen
and how they behave on the ParlaMint and court texts: ``bench/stemming.py``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

import snowballstemmer

from kuvend.text import fold_for_search, serbian_to_latin

#: A stem shorter than this prefix-matches too many unrelated words (bench/stemming.py: with 4,
#: Albanian ``para*`` matched 63 words of the court texts, ``kont*`` 50; with 5 the largest
#: families are compounds of one word such as ``kunder*``).
MIN_STEM: Final = 5
#: Words shorter than this are searched as typed (``rad``, ``plan``, ``ligj``).
MIN_WORD: Final = 5

#: Albanian endings on folded text (ë → e), longest first; the first that leaves at least
#: ``MIN_STEM`` letters is removed. Nouns: definite singular (-i, -u, -a, -ja, -in, -un, -it,
#: -ut, -es, -se, -en, -et), plural (-et, -at, -te, -ve, -ave, -eve, -ive, -ra, -rat, -rave);
#: verbs: -oj, -on, -ojme, -oni, -ojne, -uar, -ova, -oi, -ohet, -ohen, -ime.
_ALBANIAN_SUFFIXES: Final = tuple(
    sorted(
        {
            "rave", "rat", "ra", "ave", "eve", "ive", "ve", "ojne", "ojme", "ohet", "ohen",
            "uar", "ova", "oni", "oj", "on", "oi", "ime", "in", "un", "it", "ut", "es", "se",
            "en", "et", "at", "te", "ja", "i", "u", "a", "e",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip


@lru_cache(maxsize=1)
def _serbian() -> Any:
    return snowballstemmer.stemmer("serbian")


def albanian_stem(folded: str) -> str:
    """``folded`` without its commonest Albanian ending: ``buxhetit`` → ``buxhet``."""
    for suffix in _ALBANIAN_SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= MIN_STEM:
            return folded[: -len(suffix)]
    return folded


@lru_cache(maxsize=4096)
def serbian_stem(word: str) -> str:
    """The Snowball Serbian stem of ``word`` (either script), folded: ``budžetu`` → ``budzet``."""
    latin = serbian_to_latin(word).lower()
    return fold_for_search(_serbian().stemWord(latin))


@lru_cache(maxsize=4096)
def search_stem(word: str) -> str | None:
    """The stem ``word`` is also prefix-matched by, or None when it is searched only as typed.

    ``word`` is as the user typed it (any script, accents or not); the stem is folded and may
    be the whole word (``budžet`` → ``budzet``, which then finds ``budžetu`` as a prefix).
    """
    folded = fold_for_search(word)
    if len(folded) < MIN_WORD or not folded.isalpha():
        return None
    candidates = [albanian_stem(folded), serbian_stem(word)]
    usable = [stem for stem in candidates if len(stem) >= MIN_STEM and folded.startswith(stem)]
    if not usable:
        return None
    return min(usable, key=len)
