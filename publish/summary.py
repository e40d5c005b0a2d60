"""A summary per agenda item: who spoke, for how long, and the key sentences.

Key sentences are picked by a simple extractive method, with no external service: the words
of an agenda item are counted, and a sentence scores by how frequent its content words are in
that item (folded for search, so accents and Serbian's two scripts do not split a word's
count). The best few are given in the order they were said.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kuvend.minutes import Minutes, MinutesSegment
from kuvend.text import fold_for_search
from publish.statistics import speaker_statistics

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"\w+", re.UNICODE)

#: Words shorter than this are mostly function words in Albanian and Serbian (e, në, i, je, da…).
MIN_CONTENT_WORD_LETTERS = 4
#: A sentence needs this many words to be worth quoting.
MIN_SENTENCE_WORDS = 4


@dataclass(frozen=True, slots=True)
class SpeakerShare:
    """How long one speaker spoke within an agenda item."""

    speaker: str
    speaking_time_s: float


@dataclass(frozen=True, slots=True)
class KeySentence:
    """A sentence worth reading, with where it was said."""

    text: str
    start_s: float
    speaker: str | None


@dataclass(frozen=True, slots=True)
class AgendaSummary:
    """The summary of one agenda item (or of the whole session when it has no agenda)."""

    title: str
    start_s: float
    end_s: float
    speakers: tuple[SpeakerShare, ...]
    sentences: tuple[KeySentence, ...]


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold_for_search(text)) if len(w) >= MIN_CONTENT_WORD_LETTERS]


def key_sentences(segments: Sequence[MinutesSegment], *, count: int = 3) -> list[KeySentence]:
    """The ``count`` sentences whose content words are most frequent here, in spoken order."""
    sentences = [
        KeySentence(text.strip(), segment.start, segment.speaker)
        for segment in segments
        for text in _SENTENCE_END.split(segment.text)
        if len(text.split()) >= MIN_SENTENCE_WORDS
    ]
    frequency = Counter(word for s in sentences for word in set(_content_words(s.text)))
    if not frequency:
        return []
    top = max(frequency.values())

    def score(sentence: KeySentence) -> float:
        words = set(_content_words(sentence.text))
        # Normalised by sqrt(length): long sentences should not win by length alone.
        return sum(frequency[w] / top for w in words) / math.sqrt(len(words) + 1)

    ranked = sorted(enumerate(sentences), key=lambda item: (-score(item[1]), item[0]))[:count]
    return [sentence for _, sentence in sorted(ranked)]


def summarise(minutes: Minutes, *, sentences_per_item: int = 3) -> list[AgendaSummary]:
    """One summary per agenda item, or one for the whole session if it has no agenda."""
    agenda = sorted(minutes.session.agenda, key=lambda item: item.start)
    end_of_session = max(
        [minutes.session.duration_s, *(segment.end for segment in minutes.segments)]
    )
    sections = [
        (item.title, item.start, agenda[i + 1].start if i + 1 < len(agenda) else end_of_session)
        for i, item in enumerate(agenda)
    ] or [(minutes.session.title, 0.0, end_of_session)]
    summaries = []
    for title, start, end in sections:
        inside = [s for s in minutes.segments if start <= s.start < end]
        figures = sorted(
            speaker_statistics(inside).values(), key=lambda f: (-f.speaking_time_s, f.speaker)
        )
        summaries.append(
            AgendaSummary(
                title=title,
                start_s=start,
                end_s=end,
                speakers=tuple(SpeakerShare(f.speaker, f.speaking_time_s) for f in figures),
                sentences=tuple(key_sentences(inside, count=sentences_per_item)),
            )
        )
    return summaries
