"""Which of the assembly's languages a speech region is in.

Whisper's own detection is unrestricted and, with the base model, often wrong for these two
languages: it says Croatian or Bosnian for Serbian (and Czech or Polish for espeak-ng's), and
Hungarian, Romanian, Italian, French, Portuguese or Spanish for Albanian (on the 20 real clips
in ``eval/sq/albanian_asr_splices`` unrestricted detection says ``sq`` for 9). It also
under-rates Albanian, which had a few hours of training audio against hundreds for the
Serbian-Croatian-Bosnian group. So each allowed language is scored from Whisper's
probabilities for all languages:

    score(L) = log p(L and the languages counted as L) + 0.25 · log p(its neighbours) + prior(L)

and the allowed language with the highest score wins; its share of the scores (softmax) is
stored as the language probability. Neighbours and priors were fitted on the real clips above,
the Croatian parliament clip and espeak-ng sentences (21/21, 7/7 and 34/36 regions right):
clips that ``tests/transcribe`` checks too. ``bench/fit_language.py`` fits the two weights on
a half of ``../shared/eval`` that no test checks and reports on the other half; on that split
the weights it finds (0.8, 0.5) get 9 of 11 held-out Albanian regions right against 11 for the
ones below, which therefore stay until there is more Albanian speech to fit on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kuvend.types import LanguageCode
from transcribe.audio import Samples
from transcribe.engine import WhisperEngine
from transcribe.options import SERBIAN_GROUP
from transcribe.windows import Encoded, EncodedWindow, masked, storage

#: Languages whose probability counts as the key language's own.
COUNTED_AS: Mapping[LanguageCode, tuple[LanguageCode, ...]] = {"sr": SERBIAN_GROUP}

#: Languages Whisper confuses the key language with: weaker evidence for it.
NEIGHBOURS: Mapping[LanguageCode, tuple[LanguageCode, ...]] = {
    "sr": ("sl", "mk", "bg", "cs", "sk", "pl", "ru", "uk"),
    "sq": ("hu", "ro", "it", "fr", "pt", "es", "la"),
}
NEIGHBOUR_WEIGHT = 0.25

#: Log-prior added to a language's score: Whisper's detector under-rates Albanian.
PRIOR: Mapping[LanguageCode, float] = {"sq": 2.5}

_FLOOR = 1e-6

#: Never decide on less than this: too short to say anything.
_MIN_SAMPLES = 1_600

#: Encoder outputs per language-detection call.
_DETECT_BATCH = 8


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """The chosen language, its share among the allowed ones, and every allowed share."""

    language: LanguageCode
    probability: float
    shares: Mapping[LanguageCode, float]


def choose_language(
    probabilities: Mapping[LanguageCode, float],
    allowed: Sequence[LanguageCode],
    *,
    neighbour_weight: float = NEIGHBOUR_WEIGHT,
    prior: Mapping[LanguageCode, float] = PRIOR,
) -> LanguageChoice:
    """The allowed language best supported by Whisper's ``probabilities`` (all languages).

    ``neighbour_weight`` and ``prior`` default to the fitted values; the fit passes others.
    """
    scores = {
        language: _score(probabilities, language, allowed, neighbour_weight, prior)
        for language in allowed
    }
    top = max(scores.values())
    weights = {language: math.exp(score - top) for language, score in scores.items()}
    total = sum(weights.values())
    shares = {language: weight / total for language, weight in weights.items()}
    best = max(shares, key=lambda language: shares[language])
    return LanguageChoice(best, shares[best], shares)


def _score(
    probabilities: Mapping[LanguageCode, float],
    language: LanguageCode,
    allowed: Sequence[LanguageCode],
    neighbour_weight: float,
    prior: Mapping[LanguageCode, float],
) -> float:
    # A language the assembly allows in its own right counts only for itself.
    own = {language, *(code for code in COUNTED_AS.get(language, ()) if code not in allowed)}
    near = [code for code in NEIGHBOURS.get(language, ()) if code not in allowed]
    score = math.log(sum(probabilities.get(code, 0.0) for code in own) + _FLOOR)
    if near:
        near_p = sum(probabilities.get(code, 0.0) for code in near)
        score += neighbour_weight * math.log(near_p + _FLOOR)
    return score + prior.get(language, 0.0)


def detect_language(
    engine: WhisperEngine, samples: Samples, allowed: Sequence[LanguageCode]
) -> LanguageChoice:
    """The allowed language of ``samples`` (one speech region, at most 30 s are read)."""
    if len(allowed) == 1 or len(samples) < _MIN_SAMPLES:
        return LanguageChoice(allowed[0], 1.0, {allowed[0]: 1.0})
    _, _, all_probabilities = engine.model.detect_language(audio=samples)
    return choose_language(dict(all_probabilities), allowed)


def window_languages(
    engine: WhisperEngine, windows: Sequence[EncodedWindow], allowed: Sequence[LanguageCode]
) -> list[LanguageChoice]:
    """The allowed language of each window, from its stored encoder output (no encoder pass)."""
    return _detect(engine, [window.encoded for window in windows], allowed)


def span_languages(
    engine: WhisperEngine,
    spans: Sequence[tuple[EncodedWindow, float, float]],
    allowed: Sequence[LanguageCode],
) -> list[LanguageChoice]:
    """The language of each ``(window, start_s, end_s)`` span (window seconds): the window's
    encoder output masked to the span (``windows.masked``), one decoder step each, batched."""
    return _detect(engine, [masked(window, start, end) for window, start, end in spans], allowed)


def _detect(
    engine: WhisperEngine, encoded: Sequence[Encoded], allowed: Sequence[LanguageCode]
) -> list[LanguageChoice]:
    if len(allowed) == 1 or not encoded:
        return [LanguageChoice(allowed[0], 1.0, {allowed[0]: 1.0}) for _ in encoded]
    choices = []
    for first in range(0, len(encoded), _DETECT_BATCH):
        results = engine.model.model.detect_language(
            storage(encoded[first : first + _DETECT_BATCH])
        )
        for pairs in results:
            # Tokens read "<|sq|>": the code sits between the markers.
            probabilities = {token[2:-2]: probability for token, probability in pairs}
            choices.append(choose_language(probabilities, allowed))
    return choices
