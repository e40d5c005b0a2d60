"""The review editor on a three-hour session, in Debian's headless Chromium.

Usage::

    .venv/bin/python bench/review.py [--segments 2600] [--saves 15] [--rounds 2] [--loads 5]

A three-hour draft is synthesised (``--segments`` lines over 10,800 s, 8-16 words each, one
line in six with a doubtful word, three speakers), stored through the storage layer and
indexed as the pipeline would leave it; ``kuvend serve``'s application (SQLite, SQLite search
index, embedded processing) serves it on 127.0.0.1. A clerk signs in and opens the editor
``--loads`` times; the page's own timings give first paint, first contentful paint and time to
interactive (the editor's script has wired the page: the ``kuvend-editor-ready`` mark), all
from the start of navigation.

Then rounds of corrections, each on a different line spread over the session, ``--pause``
seconds apart: the text is changed and Ctrl+S pressed, and the time runs until the saved line
is back in the page. Each round has ``--saves`` saves with the draft's background indexing
(``workers.draft_index``) re-indexing the whole draft (``whole``: how it was before partial
updates; the bench swaps ``index_draft_segments`` for that) and as many re-indexing only the
changed segments (``segments``), alternating A,B,A,B on the same page and server. Printed:
p50/p95/max in ms of the saves and of their parts (until the request left, the request from
the page's resource timings, after its answer), and the CPU time this process (the server
with its indexing, flushed at the end of each block; Chromium is another process) spent per
save in each mode, with their ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from playwright.sync_api import sync_playwright

from kuvend.config import Settings
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

# Saves one line, waits until the page has its new version; milliseconds: [total, until the
# request left, the request, after its answer].
SAVE_ONE = """async ([id, text]) => {
  const line = document.querySelector(`[data-segment-id="${id}"]`);
  const field = line.querySelector(".text");
  field.focus();
  field.textContent = text;
  const version = line.dataset.version;
  performance.clearResourceTimings();
  const started = performance.now();
  const keys = {key: "s", code: "KeyS", ctrlKey: true, bubbles: true};
  field.dispatchEvent(new KeyboardEvent("keydown", keys));
  while (true) {
    const now = document.querySelector(`[data-segment-id="${id}"]`);
    if (now && now.dataset.version !== version) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const ended = performance.now();
  const sent = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/text"));
  const request = sent.pop();
  const after = ended - request.responseEnd;
  return [ended - started, request.startTime - started, request.duration, after];
}"""
TIMINGS = """() => {
  const paints = performance.getEntriesByType("paint");
  const paint = Object.fromEntries(paints.map((e) => [e.name, e.startTime]));
  const ready = performance.getEntriesByName("kuvend-editor-ready")[0];
  return {fp: paint["first-paint"], fcp: paint["first-contentful-paint"], tti: ready?.startTime,
          lines: document.querySelectorAll("#transcript li.seg").length,
          bytes: performance.getEntriesByType("navigation")[0].transferSize};
}"""
#: The two ways the server indexes what the saves changed, compared side by side.
MODES = {
    "whole": "the whole draft re-indexed after each run of saves (as before partial updates)",
    "segments": "only the changed segments re-indexed (SearchIndex.update_segments)",
}


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


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 (nearest rank) and max."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def figures(values: list[float]) -> str:
    p50, p95, most = percentiles(values)
    return f"p50 {p50:7.0f}  p95 {p95:7.0f}  max {most:7.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=2600)
    parser.add_argument("--saves", type=int, default=15, help="saves per round and mode")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of whole, segments")
    parser.add_argument("--loads", type=int, default=5, help="page loads timed")
    parser.add_argument(
        "--pause", type=float, default=0.5, help="seconds between saves (a fast clerk: 0.5)"
    )
    args = parser.parse_args()

    from search_api.app import create_app
    from workers import draft_index
    from workers.actions import PipelineActions

    partial = draft_index.index_draft_segments

    def whole(settings: Settings, session_id: str, segment_ids: Collection[str]) -> int:
        draft_index.index_draft(settings, session_id)
        return len(segment_ids)

    loads: list[dict[str, float]] = []
    saves: dict[str, list[list[float]]] = {mode: [] for mode in MODES}
    cpu_s = dict.fromkeys(MODES, 0.0)
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder))
        seed_accounts(settings)
        started = time.perf_counter()
        seed_session(settings, "bench-3h", synthesise(args.segments), title="Seanca tre orë",
                     duration_s=SESSION_S)  # fmt: skip
        print(f"stored {args.segments} segments in {time.perf_counter() - started:.1f} s")
        actions = PipelineActions(settings)
        draft_index.index_draft(settings, "bench-3h")  # as the pipeline leaves it: indexed
        app = create_app(settings, actions=actions)
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
            for _ in range(args.loads):
                page.goto(f"{url}/secretariat/sessions/bench-3h")
                page.wait_for_function("performance.getEntriesByName('kuvend-editor-ready').length")
                loads.append(page.evaluate(TIMINGS))
            ids = page.eval_on_selector_all(
                "#transcript li.seg", "lines => lines.map((l) => l.dataset.segmentId)"
            )
            total = args.saves * args.rounds * len(MODES)
            chosen = iter(ids[:: max(1, len(ids) // total)][:total])
            n = 0
            for _ in range(args.rounds):
                for mode in MODES:
                    draft_index.index_draft_segments = whole if mode == "whole" else partial  # type: ignore[assignment]
                    cpu = time.process_time()
                    for _ in range(args.saves):
                        n += 1
                        text = f"Korrigjuar rreshti {n}."
                        saves[mode].append(page.evaluate(SAVE_ONE, [next(chosen), text]))
                        time.sleep(args.pause)
                    actions.draft_indexer().flush()  # this mode's indexing is counted in it
                    cpu_s[mode] += time.process_time() - cpu
            draft_index.index_draft_segments = partial  # type: ignore[assignment]
            browser.close()
    last = loads[-1]
    print(f"lines in the editor: {last['lines']}, page {last['bytes'] / 1e6:.2f} MB")
    print(f"page loads ({len(loads)}), ms from navigation start:")
    for key, name in (("fp", "first paint"), ("fcp", "first contentful paint"),
                      ("tti", "interactive")):  # fmt: skip
        print(f"  {name:<24}{figures([load[key] for load in loads])}")
    print(f"saves, ms ({args.rounds} rounds of {args.saves} per mode, A,B,A,B):")
    for mode, description in MODES.items():
        columns = list(zip(*saves[mode], strict=True))
        print(f"  {mode}: {description}")
        for values, name in zip(columns, ("save", "until sent", "request", "after answer"),
                                strict=True):  # fmt: skip
            print(f"    {name:<14}{figures(list(values))}")
    per_save = {mode: cpu_s[mode] / len(saves[mode]) * 1000 for mode in MODES}
    print("server process CPU per save (its indexing included): "
          + ", ".join(f"{mode} {ms:.0f} ms" for mode, ms in per_save.items())
          + f"; segments/whole = {per_save['segments'] / per_save['whole']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
