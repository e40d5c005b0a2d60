"""Which known names a mistyped one is close to, for a ``did you mean …?``."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein


def closest(word: str, names: Iterable[str], *, most: int = 2) -> list[str]:
    """The ``names`` at the smallest distance from ``word``, if it is at most ``most`` (one for
    a word of three characters or fewer, where two edits make any word another); sorted."""
    limit = most if len(word) > 3 else min(most, 1)
    scored = [(Levenshtein.distance(word, name), name) for name in set(names)]
    best = min((score for score, _ in scored), default=limit + 1)
    return sorted(name for score, name in scored if score == best <= limit)
