"""Which of the assembly's languages a speech region is in.

Whisper's own detection is unrestricted and, with the base model, often wrong for these two
languages: it says Croatian or Bosnian for Serbian (and Czech or Polish for espeak-ng's), and
Hungarian, Romanian, Italian, French, Portuguese or Spanish for Albanian (on the 20 real clips
in ``eval/sq/albanian_asr_splices`` unrestricted detection says ``sq`` for 9). It also
under-rates Albanian, which had a few hours of training audio against hundreds for the
Serbian-Croatian-Bosnian group. So each allowed language is scored from Whisper's
probabilities for all languages:

    score(L) = log p(L and the languages counted as L) + w · log p(its neighbours) + prior(L)

and the allowed language with the highest score wins; its share of the scores (softmax) is
stored as the language probability. Whisper's probabilities come from the region encoded in a
window cut to its audio (``windows.encode_windows``), the same encoder output that is decoded.

The two weights are fitted by ``bench/fit_language.py`` on one part of ``../shared/eval`` and
reported on the other, fixed by file name (sorted within each folder):

* FIT: all 11 clips of ``hr/parlaspeech_hr_2021`` and the even positions (0, 2, …) of
  ``sr/parlaspeech_rs_lid`` (12 clips) and ``sq/albanian_asr_splices`` (10): 34 Serbian-group
  and 10 Albanian regions.
* REPORT: the odd positions of those two folders, ``hr/parlaspeech_tutorial`` and
  ``sq/albanian_asr_notebook``: 37 and 11 regions. These are the clips the tests check
  (``tests/transcribe/test_language.py``, ``test_real_clips.py``); no test checks a FIT clip.

Fitted: ``NEIGHBOUR_WEIGHT`` 0.65, no Albanian prior. On REPORT they get 11/11 Albanian and
35/37 Serbian-group regions right (wrong: one region of ``sabor_sample_5.5-27.6`` and one of
``sr_parlaspeech_2018-05-28…``, which the transcriber's sentence and neighbour rules then
settle), against 11/11 and 34/37 for the earlier weights (0.25, prior 2.5), which had been
fitted on clips the tests check, with each region padded to a 30 s window; on windows cut to
the region the fit finds no Albanian prior needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.types import LanguageCode
from transcribe.audio import ChunkAudio, Samples
from transcribe.engine import WhisperEngine
from transcribe.options import SERBIAN_GROUP
from transcribe.windows import (
    WINDOW_S,
    Encoded,
    EncodedWindow,
    Window,
    encode_windows,
    storage,
)

#: Languages whose probability counts as the key language's own.
COUNTED_AS: Mapping[LanguageCode, tuple[LanguageCode, ...]] = {"sr": SERBIAN_GROUP}

#: Languages Whisper confuses the key language with: weaker evidence for it.
NEIGHBOURS: Mapping[LanguageCode, tuple[LanguageCode, ...]] = {
    "sr": ("sl", "mk", "bg", "cs", "sk", "pl", "ru", "uk"),
    "sq": ("hu", "ro", "it", "fr", "pt", "es", "la"),
}
#: ``w`` above.
NEIGHBOUR_WEIGHT = 0.65

#: Log-prior added to a language's score (fitted: none needed on cut windows).
PRIOR: Mapping[LanguageCode, float] = {"sq": 0.0}

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
    """The allowed language of ``samples`` (one speech region, at most 30 s are read), as the
    transcriber judges a window: encoded in a window cut to its length, then scored."""
    if len(allowed) == 1 or len(samples) < _MIN_SAMPLES:
        return LanguageChoice(allowed[0], 1.0, {allowed[0]: 1.0})
    duration = min(len(samples) / SAMPLE_RATE_HZ, WINDOW_S)
    window = Window(0.0, duration, ())
    encoded = encode_windows(engine, ChunkAudio(samples, 0.0), [window], batch_size=1)
    return window_languages(engine, encoded, allowed)[0]


def window_languages(
    engine: WhisperEngine, windows: Sequence[EncodedWindow], allowed: Sequence[LanguageCode]
) -> list[LanguageChoice]:
    """The allowed language of each window, from its stored encoder output (no encoder pass)."""
    return _detect(engine, [window.encoded for window in windows], allowed)


def _detect(
    engine: WhisperEngine, encoded: Sequence[Encoded], allowed: Sequence[LanguageCode]
) -> list[LanguageChoice]:
    if len(allowed) == 1 or not encoded:
        return [LanguageChoice(allowed[0], 1.0, {allowed[0]: 1.0}) for _ in encoded]
    return [choose_language(p, allowed) for p in whisper_probabilities(engine, encoded)]


def whisper_probabilities(
    engine: WhisperEngine, encoded: Sequence[Encoded]
) -> list[dict[LanguageCode, float]]:
    """Whisper's probability of every language for each encoder output (one decoder step
    each, batched): what ``choose_language`` scores."""
    # A batch holds encoder outputs of one length (windows are cut to their audio).
    by_length: dict[int, list[int]] = {}
    for index, output in enumerate(encoded):
        by_length.setdefault(len(output), []).append(index)
    found: dict[int, dict[LanguageCode, float]] = {}
    for indices in by_length.values():
        for first in range(0, len(indices), _DETECT_BATCH):
            batch = indices[first : first + _DETECT_BATCH]
            results = engine.model.model.detect_language(storage([encoded[i] for i in batch]))
            for index, pairs in zip(batch, results, strict=True):
                # Tokens read "<|sq|>": the code sits between the markers.
                found[index] = {token[2:-2]: probability for token, probability in pairs}
    return [found[index] for index in range(len(encoded))]
