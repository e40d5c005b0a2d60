"""Is this text written in the language it claims? Alphabet, repetition inside words, capitals.

Whisper base forced into a language it hears badly writes letters of neither alphabet
("TÖMBERURANÖTARÖTÖ…þþ…ØN"), loops inside one word ("Iqquddandibqqaqaqaq") or shouts in
capitals. Such text is decoded once more and, failing again, flagged for a reviewer.

The alphabets are the languages' own: Albanian is written in Latin with ë and ç (36 letters,
Law on the Albanian orthography); Serbian in Gaj's Latin (č ć đ š ž, digraphs dž lj nj) or Vuk's
Cyrillic (30 letters, ђ ј љ њ ћ џ). Names of the other official language's speakers do occur
("Jovanović" in Albanian minutes, "Çeku" in Serbian ones), so letters of the other language are
tolerated in capitalised words. The limits are stated rules, not fitted to any clip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kuvend.types import LanguageCode

_BASIC_LATIN = set("abcdefghijklmnopqrstuvwxyz")
_SERBIAN_LATIN = (_BASIC_LATIN - set("qwxy")) | set("čćđšž")
_SERBIAN_CYRILLIC = set("абвгдђежзијклљмнњопрстћуфхцчџш")
_ALBANIAN = _BASIC_LATIN | set("ëç")

#: Letters of a language's own text, lower case.
ALPHABETS: Mapping[LanguageCode, frozenset[str]] = {
    "sq": frozenset(_ALBANIAN),
    # Foreign names and words keep q, w, x, y in Serbian Latin text.
    "sr": frozenset(_SERBIAN_LATIN | _SERBIAN_CYRILLIC | set("qwxy")),
}
#: Letters tolerated in capitalised words (names from the other official language).
NAME_LETTERS: Mapping[LanguageCode, frozenset[str]] = {
    "sq": frozenset(set("čćđšž")),
    "sr": frozenset(set("ëç")),
}

#: A 1-letter unit repeated 4 times in a row, or a 2–3-letter unit 3 times, inside one word.
_WORD_LOOP = re.compile(r"([^\W\d_])\1{3,}|([^\W\d_]{2,3})\2{2,}", re.IGNORECASE)
#: Capitals: one all-caps word this long, or this many all-caps words in a row.
_CAPS_WORD_LETTERS = 10
_CAPS_RUN_WORDS = 4
#: Letters outside the alphabet tolerated in a segment: one (a foreign name's accent).
_FOREIGN_TOLERATED = 1


def text_problem(text: str, language: LanguageCode) -> str | None:
    """Why ``text`` is not plausible ``language`` text (a short reason), or ``None``."""
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return None
    foreign = _foreign_letters(words, language)
    cyrillic_in_albanian = language == "sq" and any(c in _SERBIAN_CYRILLIC for c in foreign)
    if len(foreign) > _FOREIGN_TOLERATED or cyrillic_in_albanian:
        return f"letters outside the {language} alphabet: {''.join(sorted(set(foreign)))}"
    if any(_mixes_scripts(word) for word in words):
        return "Latin and Cyrillic letters inside one word"
    looping = next((word for word in words if _WORD_LOOP.search(word)), None)
    if looping is not None:
        return f"repetition inside a word: {looping[:30]}"
    if _caps_run(words):
        return "a run of capitals"
    return None


def _foreign_letters(words: list[str], language: LanguageCode) -> list[str]:
    alphabet = ALPHABETS.get(language)
    if alphabet is None:
        return []
    tolerated = NAME_LETTERS.get(language, frozenset())
    foreign = []
    for word in words:
        allowed = alphabet | tolerated if word[0].isupper() else alphabet
        foreign += [char for char in word.lower() if char not in allowed]
    return foreign


def _mixes_scripts(word: str) -> bool:
    lower = word.lower()
    return any(c in _SERBIAN_CYRILLIC for c in lower) and any(c in _ALBANIAN for c in lower)


def _caps_run(words: list[str]) -> bool:
    run = 0
    for word in words:
        if len(word) > 1 and word.isupper():
            if len(word) >= _CAPS_WORD_LETTERS:
                return True
            run += 1
            if run >= _CAPS_RUN_WORDS:
                return True
        else:
            run = 0
    return False
