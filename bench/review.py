"""The review editor on a three-hour session, in Debian's headless Chromium.

Usage::

    .venv/bin/python bench/review.py [--segments 2600] [--saves 40]

A three-hour draft is synthesised (``--segments`` lines over 10,800 s, 8-16 words each, one
line in six with a doubtful word, three speakers) and stored through the storage layer as the
pipeline would leave it; ``kuvend serve``'s application (SQLite, SQLite search index, embedded
processing) serves it on 127.0.0.1. A clerk signs in and opens the editor; the page's own
timings give first paint, first contentful paint and time to interactive (the editor's script
has wired the page: the ``kuvend-editor-ready`` mark), all from the start of navigation. Then
``--saves`` corrections, each on a different line spread over the session, ``--pause`` seconds
apart: the text is changed and Ctrl+S pressed, and the time runs until the saved line is back
in the page (request, revision and the line swapped in; the draft's search index follows in the
background once the clerk pauses, ``workers.draft_index``). It prints p50/p95/max of the saves
in ms (and of their requests alone, from the page's resource timings), and the CPU-seconds
this process (the server, with its background indexing) spent per save; Chromium
is another process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.secretariat.seed import (
    EMAIL,
    PASSWORD,
    seed_accounts,
    seed_session,
    segment,
    settings_for,
)
from tests.utils.server import serving

CHROMIUM = "/usr/bin/chromium"
SESSION_S = 3 * 3600.0
WORDS = [
    *("kuvendi", "komunal", "seanca", "buxheti", "pika", "rendit", "ditës", "propozim"),
    *("rrugët", "shkollat", "fshat", "opština", "budžet", "pitanje", "odbornik", "predlog"),
    *("škola", "put", "sednica", "dnevni", "red"),
]

# Saves one line, waits until the page has its new version; [total, request] milliseconds.
SAVE_ONE = """async ([id, text]) => {
  const line = document.querySelector(`[data-segment-id="${id}"]`);
  const field = line.querySelector(".text");
  field.focus();
  field.textContent = text;
  const version = line.dataset.version;
  const started = performance.now();
  const keys = {key: "s", code: "KeyS", ctrlKey: true, bubbles: true};
  field.dispatchEvent(new KeyboardEvent("keydown", keys));
  while (true) {
    const now = document.querySelector(`[data-segment-id="${id}"]`);
    if (now && now.dataset.version !== version) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const requests = performance.getEntriesByType("resource");
  const request = requests.filter((e) => e.name.endsWith("/text")).pop();
  return [performance.now() - started, request.duration];
}"""
TIMINGS = """() => {
  const paints = performance.getEntriesByType("paint");
  const paint = Object.fromEntries(paints.map((e) => [e.name, e.startTime]));
  const ready = performance.getEntriesByName("kuvend-editor-ready")[0];
  return {fp: paint["first-paint"], fcp: paint["first-contentful-paint"], tti: ready?.startTime,
          lines: document.querySelectorAll("#transcript > li").length,
          bytes: performance.getEntriesByType("navigation")[0].transferSize};
}"""


def synthesise(count: int, seed: int = 11) -> list:  # type: ignore[type-arg]
    """``count`` segments evenly over three hours, three speakers taking turns."""
    rng = random.Random(seed)
    step = SESSION_S / count
    segments = []
    for index in range(count):
        start = index * step
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16)))
        doubtful = (rng.randrange(8),) if index % 6 == 0 else ()
        speaker = f"S{1 + (index // 7) % 3}"
        segments.append(segment(start, start + step * 0.92, speaker, words, doubtful=doubtful))
    return segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=2600)
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument(
        "--pause", type=float, default=0.5, help="seconds between saves (a fast clerk: 0.5)"
    )
    args = parser.parse_args()

    from search_api.app import create_app
    from workers.actions import PipelineActions

    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder))
        seed_accounts(settings)
        started = time.perf_counter()
        seed_session(settings, "bench-3h", synthesise(args.segments), title="Seanca tre orë",
                     duration_s=SESSION_S)  # fmt: skip
        print(f"stored {args.segments} segments in {time.perf_counter() - started:.1f} s")
        app = create_app(settings, actions=PipelineActions(settings))
        with serving(app) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{url}/secretariat/signin?lang=sq")
            page.locator("#email").fill(EMAIL)
            page.locator("#password").fill(PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            page.wait_for_url("**/secretariat/sessions")
            page.goto(f"{url}/secretariat/sessions/bench-3h")
            page.wait_for_function("performance.getEntriesByName('kuvend-editor-ready').length")
            timings = page.evaluate(TIMINGS)
            ids = page.eval_on_selector_all(
                "#transcript > li", "lines => lines.map((l) => l.dataset.segmentId)"
            )
            chosen = ids[:: max(1, len(ids) // args.saves)][: args.saves]
            cpu = time.process_time()
            saves: list[float] = []
            requests: list[float] = []
            for n, segment_id in enumerate(chosen):
                total, request = page.evaluate(SAVE_ONE, [segment_id, f"Korrigjuar rreshti {n}."])
                saves.append(total)
                requests.append(request)
                time.sleep(args.pause)
            cpu = time.process_time() - cpu
            browser.close()
    saves.sort()
    requests.sort()
    p95 = saves[min(len(saves) - 1, round(0.95 * (len(saves) - 1)))]
    request_p95 = requests[min(len(requests) - 1, round(0.95 * (len(requests) - 1)))]
    print(f"lines in the editor: {timings['lines']}, page {timings['bytes'] / 1e6:.2f} MB")
    print(f"first paint {timings['fp']:.0f} ms, first contentful paint {timings['fcp']:.0f} ms, "
          f"interactive {timings['tti']:.0f} ms (from navigation start)")  # fmt: skip
    print(f"save ({len(saves)}): p50 {statistics.median(saves):.0f} ms, p95 {p95:.0f} ms, "
          f"max {saves[-1]:.0f} ms; of which the request p50 {statistics.median(requests):.0f} ms, "
          f"p95 {request_p95:.0f} ms")  # fmt: skip
    print(f"server process CPU: {cpu / len(saves) * 1000:.0f} ms per save")


if __name__ == "__main__":
    main()
