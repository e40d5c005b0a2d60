"""Disk a long silent recording costs ingest: peak bytes written while it is cut.

Usage::

    .venv/bin/python bench/ingest_disk.py [--hours 10]

Makes an Opus file of ``--hours`` of digital silence (as a recorder left running overnight
writes it), then runs ``ingest.ingest_file`` on it as ``kuvend process`` does (the stream
chosen with Silero VAD, chunks cut, the player's audio encoded) while a thread measures the
session folder every 0.1 s. Prints the input's size, the peak and final bytes of the folder,
the chunks written, and the CPU-seconds of this process and of ffmpeg together. Before the
fix, a 13.6 MB file of 10 hours wrote 691 MB of chunks; the bound this bench checks is 50 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout: the project's packages come from its root.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402

import ingest  # noqa: E402

_LIMIT_BYTES = 50 * 1024**2


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:  # a partial file renamed while we looked
            continue
    return total


class PeakWatcher(threading.Thread):
    """Samples a folder's size until stopped; keeps the largest."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, _folder_bytes(self.folder))

    def stop(self) -> int:
        self._done.set()
        self.join()
        self.peak = max(self.peak, _folder_bytes(self.folder))
        return self.peak


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _detector() -> tuple[ingest.SpeechDetector | None, str]:
    """Silero VAD as ``kuvend process`` uses it; without torch (a bare machine) none: silence
    never reaches the detector, so the disk figure is the same."""
    try:
        from workers.ingesting import speech_detector
    except ImportError as error:
        return None, f"none ({error.name} is not installed)"
    return speech_detector(), "Silero VAD"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0, help="length of the silence")
    arguments = parser.parse_args()
    seconds = arguments.hours * 3600
    with tempfile.TemporaryDirectory(prefix="kuvend-bench-") as scratch:
        source = Path(scratch) / "overnight.opus"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
             "-t", str(seconds), "-c:a", "libopus", "-b:a", "16k", "-frame_duration", "60",
             "-compression_level", "0", str(source)],
            check=True,
        )  # fmt: skip
        detector, vad = _detector()
        work = Path(scratch) / "session"
        work.mkdir()
        watcher = PeakWatcher(work)
        watcher.start()
        before = _cpu_s()
        audio = ingest.ingest_file(
            source,
            work / "chunks",
            ingest.IngestOptions(),
            player=work / "audio.m4a",
            detector=detector,
        )
        cpu = _cpu_s() - before
        peak = watcher.stop()
        print(f"command: .venv/bin/python bench/ingest_disk.py --hours {arguments.hours:g}")
        print(
            f"input: {arguments.hours:g} h of silence, Opus, {source.stat().st_size / 1e6:.1f} MB"
        )
        print(f"session duration: {audio.duration_s:.1f} s, chunks written: {len(audio.chunks)}")
        print(f"peak disk of the session folder: {peak / 1e6:.1f} MB (bound 50 MB)")
        print(f"final: chunks {_folder_bytes(work / 'chunks') / 1e6:.1f} MB, "
              f"player {(work / 'audio.m4a').stat().st_size / 1e6:.1f} MB")  # fmt: skip
        print(f"CPU: {cpu:.1f} s (this process and ffmpeg); speech detector: {vad}")
        if peak > _LIMIT_BYTES:
            raise SystemExit("over the bound")


if __name__ == "__main__":
    main()
