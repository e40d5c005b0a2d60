"""How inflection-aware matching behaves on real text: ``kuvend.stemming`` over the vocabularies
of the Albanian court sentences and the ParlaMint Serbian/Bosnian samples (``../shared/eval/text``).

Usage::

    .venv/bin/python bench/stemming.py [--show 12]

For each language it prints: the vocabulary (distinct folded words), the share of words that
get a stem, how many distinct words a query word matches as typed (1) and with its stem as a
prefix (median, p90, max: the recall gained and the noise risked), and the largest families
for a person to judge (``--show``). Nothing here is fitted: the rules were written from a
grammar of the endings, and these figures are read after.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.eval_data import EVAL  # noqa: E402
from kuvend.stemming import search_stem  # noqa: E402
from kuvend.text import fold_for_search  # noqa: E402

EVAL_TEXT = EVAL / "text"
_WORD = re.compile(r"[^\W\d_]+")


def vocabulary(paths: list[Path]) -> dict[str, str]:
    """Folded word → one written form of it."""
    words: dict[str, str] = {}
    for path in paths:
        for word in _WORD.findall(path.read_text("utf-8")):
            words.setdefault(fold_for_search(word), word.lower())
    return words


def report(name: str, words: dict[str, str], show: int) -> None:
    folded = sorted(words)
    stems = {word: search_stem(written) for word, written in words.items()}
    families: dict[str, set[str]] = defaultdict(set)
    matched: list[int] = []
    for stem in stems.values():
        if stem is None:
            continue
        family = {other for other in folded if other.startswith(stem)}
        families[stem] |= family
        matched.append(len(family))
    share = len(matched) / len(words)
    cuts = statistics.quantiles(matched, n=10) if len(matched) > 1 else [1.0] * 9
    print(f"{name}: {len(words):,} distinct words, {share:.0%} get a stem")
    print(
        f"  words a stemmed query word matches: median {statistics.median(matched):g}, "
        f"p90 {cuts[8]:g}, max {max(matched)} (as typed: 1)"
    )
    largest = sorted(families.items(), key=lambda item: -len(item[1]))[:show]
    for stem, family in largest:
        print(f"  {stem}*: {len(family)} — {', '.join(sorted(family)[:10])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=12)
    args = parser.parse_args()
    if not EVAL_TEXT.is_dir():
        sys.exit(f"eval text not found at {EVAL_TEXT}")
    albanian = sorted((EVAL_TEXT / "sq_kosovo_court_sentences").glob("clean_files/*.txt"))
    serbian = sorted((EVAL_TEXT / "parlamint").glob("ParlaMint-*-0.txt"))
    report("Albanian (court sentences)", vocabulary(albanian), args.show)
    report("Serbian/Bosnian (ParlaMint)", vocabulary(serbian), args.show)
    for typed in ("budžet", "budžetu", "buxheti", "këshilli", "скупштина", "opštine"):
        print(f"  {typed} → {search_stem(typed)}*")


if __name__ == "__main__":
    main()
