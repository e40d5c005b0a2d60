"""Publishing one session into a site of N published sessions: the full rebuild every publish
used to do against the incremental one it does now, side by side (A, B, A, B …).

Usage::

    .venv/bin/python bench/site_publish.py [--sessions 30] [--recording-mb 20] [--rounds 3]

The site holds ``--sessions`` sessions (``bench/search.py``'s synthetic ones, 200 segments of
real Albanian and Serbian sentences each), all in one assembly but two, each with a recording
of ``--recording-mb`` MB (random bytes: copied as they are, like the player's audio). Each
round publishes a new version of one session and swaps it into the live folder with
``publish.site_folder.rebuild_into``, exactly as ``publish_session`` does, once as a full
rebuild (A: ``changed=None``) and once incrementally (B: ``changed={id}``). Printed per run:
wall seconds, CPU-seconds of this process (user + system: the recording copies are system
time) and the bytes written to the new folder. Reading the published versions from the
database is left out (the same in both).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import bench.search as corpus_bench  # noqa: E402
from publish.publication import SITE_BUILDERS  # noqa: E402
from publish.revisions import edit_text  # noqa: E402
from publish.site import SiteAssembly, SiteReport, SiteSession, SiteVersion, build_site  # noqa: E402
from publish.site_folder import rebuild_into  # noqa: E402
from publish.statistics import with_statistics  # noqa: E402
from publish.versions import freeze  # noqa: E402

BASE = "https://kuvend.example"


def _content(sessions: int, recording_mb: int, folder: Path) -> list[SiteAssembly]:
    corpus = corpus_bench.load_corpus()
    minutes = list(corpus_bench.synthetic_sessions(corpus, sessions * 200))
    by_assembly: dict[str, list[SiteSession]] = {"komuna-01": [], "komuna-02": []}
    for number, item in enumerate(minutes):
        slug = "komuna-02" if number < 2 else "komuna-01"
        header = item.session.model_copy(update={"assembly": slug})
        members = [s.model_copy(update={"member_id": f"{slug}-m{i}"}) for i, s in
                   enumerate(item.speakers)]  # fmt: skip
        draft = with_statistics(item.model_copy(update={"session": header, "speakers": members}))
        frozen = freeze(draft, version=1)
        recording = folder / f"{header.id}.m4a"
        recording.write_bytes(os.urandom(recording_mb * 1_000_000))
        version = SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 5, 1, tzinfo=UTC))
        by_assembly[slug].append(SiteSession([version], recording=recording))
    return [SiteAssembly(slug, slug.title(), items) for slug, items in by_assembly.items()]


def _with_new_version(content: list[SiteAssembly], number: int) -> tuple[list[SiteAssembly], str]:
    """The content with a version ``number + 1`` of the first session of the big assembly."""
    assembly = content[-1]
    item = assembly.sessions[0]
    latest = item.latest
    header = latest.session.model_copy(update={"status": "draft", "version": None})
    draft = latest.model_copy(update={"session": header})
    edited = edit_text(draft, draft.segments[0].id, f"Ndryshimi {number}", user_id=None)
    frozen = freeze(edited.minutes, version=len(item.versions) + 1)
    versions = [*item.versions, SiteVersion(frozen.minutes, frozen.sha256, datetime.now(UTC))]
    changed = SiteSession(versions, recording=item.recording, materials=item.materials)
    updated = SiteAssembly(assembly.slug, assembly.name, [changed, *assembly.sessions[1:]])
    return [*content[:-1], updated], latest.session.id


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _publish(
    live: Path, content: list[SiteAssembly], changed: set[str] | None
) -> tuple[float, float, float]:
    written = 0

    def build(new: Path, previous: Path) -> SiteReport:
        nonlocal written
        report = build_site(
            content, new, base_url=BASE, previous=previous, builders=SITE_BUILDERS, changed=changed
        )
        written = _size(new)
        return report

    start, cpu = time.perf_counter(), os.times()
    rebuild_into(live, build, kept=lambda report: report.kept)
    end = os.times()
    used = (end.user - cpu.user) + (end.system - cpu.system)
    return time.perf_counter() - start, used, written / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--recording-mb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuvend-site-bench-") as folder:
        root = Path(folder)
        (root / "media").mkdir()
        content = _content(args.sessions, args.recording_mb, root / "media")
        live = root / "site"
        _publish(live, content, None)
        print(f"site: {args.sessions} sessions, {args.recording_mb} MB recording each, "
              f"{_size(live) / 1e6:.0f} MB; load {os.getloadavg()[0]:.2f}")  # fmt: skip
        print(f"{'run':<22}{'wall s':>9}{'CPU s':>9}{'MB written':>12}")
        totals: dict[str, list[float]] = {"A full": [], "B incremental": []}
        edits = itertools.count(1)
        for number in range(args.rounds):
            for name, incremental in (("A full", False), ("B incremental", True)):
                content, session_id = _with_new_version(content, next(edits))
                wall, cpu, written = _publish(live, content, {session_id} if incremental else None)
                totals[name].append(cpu)
                print(f"{name + f' #{number + 1}':<22}{wall:>9.2f}{cpu:>9.2f}{written:>12.1f}")
        full, incremental = (sum(v) / len(v) for v in totals.values())
        print(f"mean CPU s: A {full:.2f}, B {incremental:.2f}, A/B {full / incremental:.1f}x; "
              f"load {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
