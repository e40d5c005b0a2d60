"""Search at scale: index build time and size, and query latency, directly and through the API.

Usage::

    .venv/bin/python bench/search.py [--segments 1000000] [--queries 300] [--keep DIR]
                                     [--static-sessions 100]

A 1 M-segment index takes minutes to build: give ``--keep`` a folder outside the checkout
(e.g. ``/tmp/kuvend-bench-1m``) and later runs reuse it when it holds that many segments.

Segments are synthetic but made of real text: sentences drawn (seeded) from the Albanian court
sentences and the ParlaMint Serbian/Bosnian samples in ``../shared/eval/text/``, about 70 %
Albanian and 30 % Serbian (a third of the Serbian sessions written in Cyrillic), 200 segments
a session, 38 assemblies, 2019–2024, 5–9 speakers per session with names and parties. Each
session goes through ``SqliteFtsIndex.index_minutes`` as the pipeline's would, then the index is
optimized (FTS5 ``optimize``) and checkpointed.

It prints the build time (segments/s), the index file size, and for three query kinds — a
word (mid-frequency vocabulary, typed with or without its diacritics), a two-word phrase, and a
word filtered by assembly and a year — the wall-clock p50/p95/p99 (ms) and the process's CPU
time per query (mean, p50, p95; the machine is shared: wall time is inflated by others' load,
CPU time much less), measured directly on the index, through the API (``GET /api/v1/search``
in-process over httpx's ASGI transport, so the figure includes FastAPI, validation and
serialisation but no network) and through the public search page (``GET /search``: the same
query, five facets, rendered HTML), one after another per kind. Queries ask for 20 hits and
facets, as the API does by default. The load average is printed before and after. Last, it
runs ``bench/static_search.py`` for the static site's index (size, first query in Chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

# Run from a checkout: the project's packages come from its root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.eval_data import EVAL  # noqa: E402
from kuvend.config import Settings  # noqa: E402
from kuvend.minutes import (  # noqa: E402
    Minutes,
    MinutesSegment,
    MinutesSession,
    MinutesSpeaker,
)
from kuvend.search import SearchQuery  # noqa: E402
from kuvend.storage.db import migrate  # noqa: E402
from kuvend.storage.index import SqliteFtsIndex  # noqa: E402
from kuvend.text import fold_for_search, serbian_to_cyrillic  # noqa: E402
from publish import search_page  # noqa: E402
from search_api.app import create_app  # noqa: E402

EVAL_TEXT = EVAL / "text"
SEGMENTS_PER_SESSION = 200
ASSEMBLIES = [f"komuna-{number:02d}" for number in range(1, 39)]
PARTIES = ["LDK", "VV", "PDK", "AAK", "SL", "NISMA", "KDTP", "SDA"]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZČĆŠŽĐ])")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Corpus:
    albanian: list[str]
    serbian: list[str]


def load_corpus() -> Corpus:
    """Every Albanian sentence and every ParlaMint sentence, as written."""
    if not EVAL_TEXT.is_dir():
        sys.exit(f"eval text not found at {EVAL_TEXT}")
    albanian: list[str] = []
    for path in sorted((EVAL_TEXT / "sq_kosovo_court_sentences").glob("*/copa_*.txt")):
        albanian += [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    serbian: list[str] = []
    for path in sorted((EVAL_TEXT / "parlamint").glob("ParlaMint-*-0.txt")):
        for line in path.read_text("utf-8").splitlines():
            serbian += [s for s in _SENTENCE_END.split(line.partition("\t")[2]) if len(s) > 20]
    return Corpus(sorted(set(albanian)), serbian)


def synthetic_sessions(corpus: Corpus, segments: int, seed: int = 8) -> Iterator[Minutes]:
    """``segments`` segments in sessions of SEGMENTS_PER_SESSION, deterministic for ``seed``."""
    rng = random.Random(seed)
    made = 0
    number = 0
    while made < segments:
        count = min(SEGMENTS_PER_SESSION, segments - made)
        assembly = rng.choice(ASSEMBLIES)
        serbian = rng.random() < 0.3
        cyrillic = serbian and rng.random() < 1 / 3
        day = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        speakers = [
            MinutesSpeaker(
                id=f"S{i + 1}",
                member_id=f"{assembly}-m{rng.randint(1, 40)}",
                name=f"Anëtar {rng.randint(1, 40)}",
                party=rng.choice(PARTIES),
            )
            for i in range(rng.randint(5, 9))
        ]
        pool = corpus.serbian if serbian else corpus.albanian
        clock = 0.0
        items = []
        for position in range(count):
            text = rng.choice(pool)
            if cyrillic:
                text = serbian_to_cyrillic(text)
            duration = 0.4 * len(text.split())
            items.append(
                MinutesSegment(
                    id=f"b{number:06d}-{position:04d}",
                    start=round(clock, 3),
                    end=round(clock + duration, 3),
                    speaker=rng.choice(speakers).id,
                    language="sr" if serbian else "sq",
                    text=text,
                )
            )
            clock += duration + 0.5
        yield Minutes(
            session=MinutesSession(
                id=f"b{number:06d}",
                assembly=assembly,
                title=f"Seanca {number}",
                date=day,
                duration_s=clock,
                languages=["sq", "sr"],
                status="published",
            ),
            speakers=speakers,
            segments=items,
        )
        made += count
        number += 1


@dataclass(frozen=True)
class Queries:
    word: list[dict[str, str]]
    phrase: list[dict[str, str]]
    filtered: list[dict[str, str]]


def make_queries(corpus: Corpus, count: int, seed: int = 9) -> Queries:
    """Word, phrase and filtered queries drawn from the corpus (seeded)."""
    rng = random.Random(seed)
    frequency = Counter(
        word.lower()
        for sentence in corpus.albanian + corpus.serbian
        for word in _WORD.findall(sentence)
        if len(word) >= 5 and not word.isdigit()
    )
    # Mid-frequency words: frequent enough to have many hits at 1M segments, not stop words.
    ranked = [word for word, _ in frequency.most_common()]
    vocabulary = ranked[50:2000]
    words = [rng.choice(vocabulary) for _ in range(count)]
    # Half of the words typed without diacritics, as people do.
    words = [fold_for_search(w) if i % 2 else w for i, w in enumerate(words)]
    phrases: list[str] = []
    while len(phrases) < count:
        tokens = _WORD.findall(rng.choice(corpus.albanian + corpus.serbian))
        pairs = [(a, b) for a, b in itertools.pairwise(tokens) if len(a) > 3 < len(b)]
        if pairs:
            phrases.append('"{} {}"'.format(*rng.choice(pairs)))
    filtered = []
    for word in words:
        year = rng.randint(2019, 2024)
        filtered.append(
            {
                "q": word,
                "assembly": rng.choice(ASSEMBLIES),
                "date_from": f"{year}-01-01",
                "date_to": f"{year}-12-31",
            }
        )
    return Queries([{"q": w} for w in words], [{"q": p} for p in phrases], filtered)


def percentiles(samples_ms: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def line(kind: str, way: str, wall: list[float], cpu: list[float]) -> str:
    """Wall-clock p50/p95/p99 and the process's CPU time per query (mean, p50, p95), in ms."""
    w50, w95, w99 = percentiles(wall)
    c50, c95, _ = percentiles(cpu)
    return (
        f"  {kind:<8} {way:<6} wall p50 {w50:7.2f}  p95 {w95:7.2f}  p99 {w99:7.2f} ms"
        f" | CPU-ms/query mean {statistics.fmean(cpu):6.2f}  p50 {c50:6.2f}  p95 {c95:6.2f}"
    )


Samples = tuple[list[float], list[float]]


def time_direct(index: SqliteFtsIndex, params: list[dict[str, str]]) -> tuple[Samples, int, int]:
    """(wall ms, CPU ms) per query, the hits in all, and how many had estimated facets."""
    wall, cpu, hits, estimated = [], [], 0, 0
    for query in params:
        search = SearchQuery(
            text=query["q"],
            assembly=query.get("assembly"),
            date_from=_date(query.get("date_from")),
            date_to=_date(query.get("date_to")),
        )
        began, began_cpu = time.perf_counter(), time.process_time()
        results = index.search(search)
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
        hits += results.total
        estimated += results.facets_approximate
    return (wall, cpu), hits, estimated


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


#: The page's names of the API's date filters.
_PAGE_NAMES = {"date_from": "from", "date_to": "to"}


async def time_api(
    client: httpx.AsyncClient, params: list[dict[str, str]], path: str = "/api/v1/search"
) -> Samples:
    """(wall ms, CPU ms) per request; CPU is the whole process's (the app runs in it)."""
    wall, cpu = [], []
    for query in params:
        if path == "/search":
            query = {_PAGE_NAMES.get(key, key): value for key, value in query.items()}
        began, began_cpu = time.perf_counter(), time.process_time()
        response = await client.get(path, params=query)
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return wall, cpu


def build(
    index: SqliteFtsIndex, sessions: Iterator[Minutes], total: int, log: Callable[[str], None]
) -> float:
    began = time.perf_counter()
    done = 0
    next_report = 0.1
    for minutes in sessions:
        done += index.index_minutes(minutes)
        if done / total >= next_report:
            rate = done / (time.perf_counter() - began)
            log(f"  {done:>9,} segments indexed ({rate:,.0f}/s)")
            next_report += 0.1
    index.optimize()
    # A checkpoint, so that the size measured is the database file's, not the WAL's.
    connection = index._connection()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it")
    parser.add_argument(
        "--static-sessions",
        type=int,
        default=100,
        help="then bench the static site's index for this many sessions (0: not)",
    )
    args = parser.parse_args()

    def log(line: str) -> None:
        print(line, flush=True)

    corpus = load_corpus()
    log(f"corpus: {len(corpus.albanian):,} Albanian and {len(corpus.serbian):,} Serbian sentences")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kuvend-bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / "kuvend.search.db"
    index = SqliteFtsIndex(index_path)
    if index.count() != args.segments:
        index.clear()
        log(f"building an index of {args.segments:,} segments in {index_path}")
        seconds = build(index, synthetic_sessions(corpus, args.segments), args.segments, log)
        rate = args.segments / seconds
        log(f"build: {seconds:,.1f} s ({rate:,.0f} segments/s, optimize included)")
    else:
        log(f"reusing the index of {args.segments:,} segments in {index_path}")
    size = sum(p.stat().st_size for p in folder.glob("kuvend.search.db*"))
    log(f"size: {size / 1e6:,.1f} MB ({size / args.segments:,.0f} bytes/segment)")

    queries = make_queries(corpus, args.queries)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'kuvend.db'}",
        anonymous_rate_limit="1000000/minute",
        page_rate_limit="1000000/minute",  # the public page is measured too
    )
    migrate(settings.resolved_database_url)
    app = create_app(settings, index=index, search_pages=search_page)

    async def through(path: str, params: list[dict[str, str]]) -> Samples:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await time_api(client, params[:10], path)  # warm-up
            return await time_api(client, params, path)

    log(f"load average {_load()}")
    log(f"latency over {args.queries} queries each (20 hits + facets):")
    for kind in ("word", "phrase", "filtered"):
        params = getattr(queries, kind)
        time_direct(index, params[:10])  # warm the page cache
        direct, hits, estimated = time_direct(index, params)
        api = asyncio.run(through("/api/v1/search", params))
        page = asyncio.run(through("/search", params))
        log(
            f"  {kind}: mean hits {hits / len(params):,.0f}, facets estimated for "
            f"{estimated} of {len(params)} queries"
        )
        log(line(kind, "direct", *direct))
        log(line(kind, "API", *api))
        log(line(kind, "page", *page))
    log(f"load average {_load()}")
    index.close()
    if args.static_sessions:
        log(f"static index, {args.static_sessions} sessions (bench/static_search.py):")
        script = Path(__file__).with_name("static_search.py")
        subprocess.run(
            [sys.executable, str(script), "--sessions", str(args.static_sessions)], check=True
        )
        log(f"load average {_load()}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
