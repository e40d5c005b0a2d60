"""Fit the language score's weights on one half of ``../shared/eval``, report on the other.

Usage::

    .venv/bin/python bench/fit_language.py [--json]

The score (``transcribe.language``) has two weights: ``NEIGHBOUR_WEIGHT`` (how much Whisper's
belief in a neighbouring language counts) and ``PRIOR["sq"]`` (Whisper base under-rates
Albanian). They are chosen here on real assembly speech that no test checks, and the figures
on the other half say how well they carry over. Within each clip folder the files are sorted by
name; the split is fixed:

* FIT: every file of ``hr/parlaspeech_hr_2021`` (11, Croatian parliament) and the even positions
  (0, 2, …) of ``sr/parlaspeech_rs_lid`` (12) and ``sq/albanian_asr_splices`` (10).
* REPORT: the odd positions (1, 3, …) of ``sr/parlaspeech_rs_lid`` and
  ``sq/albanian_asr_splices``, ``hr/parlaspeech_tutorial`` and ``sq/albanian_asr_notebook``:
  the clips the tests check (``tests/transcribe/test_language.py``, ``test_real_clips.py``).

Each clip is cut into speech regions as the transcriber cuts it (Silero VAD, the default
options) and each region's language probabilities come from Whisper base once, from the region
encoded in a window cut to its audio, as the transcriber encodes it; the weights are
then searched on a grid (``fit``). ``--again`` refits on the probabilities kept from the last
run, without Whisper.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ["HF_HUB_OFFLINE"] = "1"

from bench.eval_data import EVAL  # noqa: E402
from kuvend.domain import AudioChunk  # noqa: E402
from kuvend.types import LanguageCode  # noqa: E402
from models import resolve_whisper_model  # noqa: E402
from transcribe import TranscribeOptions, load_whisper  # noqa: E402
from transcribe.audio import ChunkAudio, read_samples  # noqa: E402
from transcribe.language import (  # noqa: E402
    NEIGHBOUR_WEIGHT,
    PRIOR,
    choose_language,
    whisper_probabilities,
)
from transcribe.regions import speech_regions  # noqa: E402
from transcribe.windows import Window, encode_windows  # noqa: E402

CACHE = Path(os.environ.get("KUVEND_CACHE_DIR", "~/.cache/kuvend")).expanduser()
ALLOWED: tuple[LanguageCode, ...] = ("sq", "sr")
#: Shorter regions take their surroundings' language in the transcriber; too short to judge.
MIN_REGION_S = 0.5

WEIGHTS = [round(0.05 * step, 2) for step in range(0, 21)]
PRIORS = [round(0.25 * step, 2) for step in range(0, 21)]
#: Whisper's probabilities per region, kept so that a refit needs no Whisper run (``--again``).
MEASURED = CACHE / "bench-fit-language" / "regions.json"


@dataclass(frozen=True)
class Region:
    """One speech region of a clip, its expected language and Whisper's probabilities."""

    part: str
    clip: str
    language: LanguageCode
    probabilities: Mapping[str, float]


def split() -> dict[str, list[tuple[Path, LanguageCode]]]:
    """``{"fit": [...], "report": [...]}`` of ``(clip, expected language)``."""
    parts: dict[str, list[tuple[Path, LanguageCode]]] = {"fit": [], "report": []}
    parts["fit"] += [(p, "sr") for p in sorted((EVAL / "hr/parlaspeech_hr_2021").glob("*.wav"))]
    for folder, language in (("sr/parlaspeech_rs_lid", "sr"), ("sq/albanian_asr_splices", "sq")):
        clips = sorted((EVAL / folder).glob("*.wav"))
        parts["fit"] += [(p, language) for p in clips[0::2]]
        parts["report"] += [(p, language) for p in clips[1::2]]
    parts["report"] += [(p, "sr") for p in sorted((EVAL / "hr/parlaspeech_tutorial").glob("*.wav"))]
    parts["report"] += [
        (p, "sq") for p in sorted((EVAL / "sq/albanian_asr_notebook").glob("*.wav"))
    ]
    return parts


def measure(parts: Mapping[str, Sequence[tuple[Path, LanguageCode]]]) -> list[Region]:
    """Whisper's language probabilities for every speech region of every clip."""
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=CACHE)
    engine = load_whisper(folder, device="cpu", compute_type="int8", cpu_threads=2)
    options = TranscribeOptions()
    regions = []
    for part, clips in parts.items():
        for path, language in clips:
            samples = read_samples(AudioChunk(0, path, 0.0, 0.0))
            # Each region in a window cut to its audio, as the transcriber encodes it.
            windows = [
                Window(region.start_s, region.end_s, (region,))
                for region in speech_regions(samples, options)
                if region.duration_s >= MIN_REGION_S
            ]
            encoded = encode_windows(engine, ChunkAudio(samples, 0.0), windows, batch_size=8)
            found = whisper_probabilities(engine, [window.encoded for window in encoded])
            regions += [Region(part, path.name, language, pairs) for pairs in found]
    return regions


def margin(region: Region, weight: float, prior_sq: float) -> float:
    """Log-score gap between the right language and the other (positive: right)."""
    choice = choose_language(
        region.probabilities, ALLOWED, neighbour_weight=weight, prior={"sq": prior_sq}
    )
    other = next(language for language in ALLOWED if language != region.language)
    right, wrong = choice.shares[region.language], choice.shares[other]
    return math.log(max(right, 1e-300)) - math.log(max(wrong, 1e-300))


def fit(regions: Sequence[Region]) -> tuple[float, float]:
    """The grid's best ``(neighbour_weight, prior_sq)`` on ``regions``.

    Best: the highest share of regions right, averaged over the two languages (the fit half
    holds three times more Serbian regions than Albanian ones); then the highest mean share of
    the right language in the worse of the two languages (a confident verdict for both, not a
    wide margin for one bought with a narrow one for the other); then the weights nearest the
    old ones.
    """

    def key(weights: tuple[float, float]) -> tuple[float, float, float]:
        right, confidence = [], []
        for language in ALLOWED:
            margins = [margin(r, *weights) for r in regions if r.language == language]
            right.append(sum(m > 0 for m in margins) / len(margins))
            # The right language's share, from the log-score gap of two languages.
            confidence.append(sum(1 / (1 + math.exp(-m)) for m in margins) / len(margins))
        distance = abs(weights[0] - NEIGHBOUR_WEIGHT) + abs(weights[1] - PRIOR.get("sq", 0.0))
        return round(sum(right) / len(right), 6), round(min(confidence), 6), -distance

    return max(((w, p) for w in WEIGHTS for p in PRIORS), key=key)


def report(regions: Sequence[Region], weights: tuple[float, float]) -> dict[str, dict[str, Any]]:
    """Regions right per expected language and the smallest margin, for ``weights``."""
    out: dict[str, dict[str, Any]] = {}
    for language in ALLOWED:
        chosen = [r for r in regions if r.language == language]
        if not chosen:
            continue
        margins = [margin(r, *weights) for r in chosen]
        wrong = sorted({r.clip for r, m in zip(chosen, margins, strict=True) if m <= 0})
        out[language] = {
            "right": sum(m > 0 for m in margins),
            "regions": len(chosen),
            "clips": len({r.clip for r in chosen}),
            "min_margin": round(min(margins), 2),
            "wrong_clips": wrong,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--again", action="store_true", help=f"refit on the probabilities kept in {MEASURED}"
    )
    args = parser.parse_args()
    if args.again:
        regions = [Region(**row) for row in json.loads(MEASURED.read_text("utf-8"))]
    else:
        regions = measure(split())
        MEASURED.parent.mkdir(parents=True, exist_ok=True)
        MEASURED.write_text(json.dumps([vars(r) for r in regions]), "utf-8")
    fitted = fit([r for r in regions if r.part == "fit"])
    old = (NEIGHBOUR_WEIGHT, PRIOR.get("sq", 0.0))
    figures = {
        f"{part}/{name}": report([r for r in regions if r.part == part], weights)
        for part in ("fit", "report")
        for name, weights in (("fitted", fitted), ("in_use", old))
    }
    result = {
        "fitted": {"neighbour_weight": fitted[0], "prior_sq": fitted[1]},
        "in_use": {"neighbour_weight": old[0], "prior_sq": old[1]},
        "figures": figures,
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"fitted: NEIGHBOUR_WEIGHT={fitted[0]}  PRIOR['sq']={fitted[1]}")
    print(f"in use: NEIGHBOUR_WEIGHT={old[0]}  PRIOR['sq']={old[1]}")
    print(f"{'part/weights':<16} {'lang':<4} {'right':>9} {'clips':>5} {'min margin':>10}  wrong")
    for label, rows in figures.items():
        for language, row in rows.items():
            print(
                f"{label:<16} {language:<4} {row['right']:>4}/{row['regions']:<4} "
                f"{row['clips']:>5} {row['min_margin']:>10}  {', '.join(row['wrong_clips'])}"
            )


if __name__ == "__main__":
    main()
