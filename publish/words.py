"""Keeping word timings through a reviewer's text edits.

A segment's ``words`` are the tokens of its text, each with its time. When a reviewer
corrects the text, the words that still match keep their recognised times and probability
(``difflib`` aligns the old tokens with the new ones); a corrected word takes the time of the
word it replaces, and words typed in are spread over the time between their matched
neighbours. Typed words get probability 1.0: a person wrote them.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

from kuvend.minutes import MinutesWord

#: Probability given to a word a reviewer typed.
REVIEWED_WORD_P = 1.0


def _normal(token: str) -> str:
    """A token as compared for alignment: case, accents and punctuation aside."""
    folded = unicodedata.normalize("NFKD", token.casefold())
    return "".join(char for char in folded if char.isalnum())


def tokens(text: str) -> list[str]:
    """The text's words, as the minutes store them."""
    return text.split()


def realign_words(
    words: Sequence[MinutesWord], new_text: str, *, start: float, end: float
) -> list[MinutesWord]:
    """Words for ``new_text``, keeping the timings of ``words`` wherever they still match.

    ``start`` and ``end`` bound the segment; words typed at its edges are placed inside it.
    """
    new_tokens = tokens(new_text)
    if not words:
        return []
    matcher = difflib.SequenceMatcher(
        None, [_normal(w.word) for w in words], [_normal(t) for t in new_tokens], autojunk=False
    )
    aligned: list[MinutesWord | None] = [None] * len(new_tokens)
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and old_to - old_from == new_to - new_from):
            # Same word, or a one-for-one correction of a misheard word: the time is right.
            for offset in range(new_to - new_from):
                old = words[old_from + offset]
                token = new_tokens[new_from + offset]
                p = old.p if tag == "equal" else REVIEWED_WORD_P
                aligned[new_from + offset] = old.model_copy(update={"word": token, "p": p})
        elif tag == "replace":
            _spread(
                aligned,
                new_tokens,
                new_from,
                new_to,
                words[old_from].start,
                words[old_to - 1].end,
            )
    # Inserted words (no old counterpart) sit between their aligned neighbours.
    index = 0
    while index < len(aligned):
        if aligned[index] is not None:
            index += 1
            continue
        run_end = index
        while run_end < len(aligned) and aligned[run_end] is None:
            run_end += 1
        before = aligned[index - 1] if index > 0 else None
        after = aligned[run_end] if run_end < len(aligned) else None
        low = before.end if before is not None else start
        high = after.start if after is not None else end
        _spread(aligned, new_tokens, index, run_end, low, max(low, high))
        index = run_end
    return [word for word in aligned if word is not None]


def _spread(
    aligned: list[MinutesWord | None],
    new_tokens: Sequence[str],
    first: int,
    last: int,
    low: float,
    high: float,
) -> None:
    """Give tokens ``first..last`` equal shares of ``low..high``."""
    count = last - first
    step = (high - low) / count if count else 0.0
    for offset in range(count):
        aligned[first + offset] = MinutesWord(
            start=round(low + offset * step, 3),
            end=round(low + (offset + 1) * step, 3),
            word=new_tokens[first + offset],
            p=REVIEWED_WORD_P,
        )


def split_words(
    words: Sequence[MinutesWord], at_s: float
) -> tuple[list[MinutesWord], list[MinutesWord]]:
    """Words before and after ``at_s``, each word going to the side of its midpoint."""
    left = [word for word in words if (word.start + word.end) / 2 < at_s]
    right = [word for word in words if (word.start + word.end) / 2 >= at_s]
    return left, right


def text_of(words: Sequence[MinutesWord]) -> str:
    """The text the words spell."""
    return " ".join(word.word.strip() for word in words if word.word.strip())
