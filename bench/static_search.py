"""Search without a server: the static index's size per hour of minutes, and the first query's
time in Debian's headless Chromium, for one assembly with 100 published sessions.

Usage::

    .venv/bin/python bench/static_search.py [--sessions 100] [--hours 2.5] [--throttle 4]

Sessions are ``bench/search.py``'s synthetic ones (real Albanian and Serbian sentences), made
``--hours`` long each. The site's search page and the assembly's index file are written with
``publish.static_search`` into a folder served by Python's ``http.server`` (a plain web host);
Chromium opens ``search/index.en.html?q=WORD`` and the figure is the time from navigation
start until the first hit is on the page (the meta file, the term files the word needs and the
text files of the hits shown), and from the search script's start (the search's own share: the
page's HTML, style and script come before), both as the page's User Timing marks say, with the
bytes of index it read. It is
measured as a desktop and with the CPU slowed ``--throttle`` times (Chrome DevTools' phone
emulation), for three words; the machine is shared, so each is the median of three fresh page
loads (empty cache).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path[0] = str(Path(__file__).resolve().parents[1])

import bench.search as corpus_bench  # noqa: E402
from publish.i18n import Named  # noqa: E402
from publish.page import copy_assets  # noqa: E402
from publish.static_search import write_search_index, write_search_page  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WORDS = ("gjykata", "skupstina", "vendimin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--hours", type=float, default=2.5)
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()

    corpus = corpus_bench.load_corpus()
    # About 10.5 s a synthetic segment (0.4 s a word, 0.5 s apart).
    corpus_bench.SEGMENTS_PER_SESSION = round(args.hours * 3600 / 10.5)
    segments = corpus_bench.SEGMENTS_PER_SESSION * args.sessions
    sessions = [
        minutes.model_copy(
            update={"session": minutes.session.model_copy(update={"assembly": "komuna"})}
        )
        for minutes in corpus_bench.synthetic_sessions(corpus, segments)
    ]
    hours = sum(m.session.duration_s for m in sessions) / 3600
    site = Path(tempfile.mkdtemp(prefix="kuvend-bench-static-"))
    copy_assets(site / "assets")
    index = write_search_index(sessions, site / "komuna")
    write_search_page(site, [("komuna", Named("Komuna"))], "en")
    files = [path for path in index.rglob("*.json")]
    raw = sum(path.stat().st_size for path in files)
    packed = sum(len(gzip.compress(path.read_bytes(), 6)) for path in files)
    print(f"{len(sessions)} sessions, {segments:,} segments, {hours:,.1f} hours of minutes")
    print(
        f"index: {len(files):,} files, {raw / 1e6:,.1f} MB ({raw / hours / 1e3:,.0f} kB per "
        f"hour), gzip {packed / 1e6:,.1f} MB ({packed / hours / 1e3:,.0f} kB per hour); "
        f"meta.json {(index / 'meta.json').stat().st_size / 1e3:,.0f} kB, largest term file "
        f"{max(p.stat().st_size for p in (index / 'terms').iterdir()) / 1e3:,.0f} kB"
    )

    with socket.socket() as probe:  # a free port: a fixed one may be another program's
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            for label, rate in (("desktop", 1.0), (f"CPU /{args.throttle:g}", args.throttle)):
                for word in WORDS:
                    times, after, loaded = [], [], []
                    for _ in range(3):
                        page = browser.new_page()
                        cdp = page.context.new_cdp_session(page)
                        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                        page.goto(f"http://127.0.0.1:{port}/search/index.en.html?q={word}")
                        # The page's CSP forbids eval, so no wait_for_function here.
                        page.locator(".hits li").first.wait_for()
                        marks = page.evaluate(
                            "['kuvend-search-start', 'kuvend-first-hit'].map(name => "
                            "performance.getEntriesByName(name)[0].startTime)"
                        )
                        times.append(float(marks[1]))
                        after.append(float(marks[1]) - float(marks[0]))
                        loaded.append(
                            float(
                                page.evaluate(
                                    "performance.getEntriesByType('resource').filter(e => "
                                    "e.name.endsWith('.json')).reduce((a, e) => a + "
                                    "e.encodedBodySize, 0)"
                                )
                            )
                        )
                        page.close()
                    print(
                        f"  {label:<8} first query {word!r}: {statistics.median(times):,.0f} ms"
                        f" from navigation, {statistics.median(after):,.0f} ms from the search "
                        f"script's start; {statistics.median(loaded) / 1e3:,.0f} kB of index read"
                    )
            browser.close()
    finally:
        server.terminate()
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
