"""CPU cost of two ways of diarizing, measured side by side in one run.

This machine is shared and noisy: runs alternate (A, B, A, B, ...) so that a busy moment
weighs on both alike, and the figure is CPU-seconds, not wall time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from diarize import DiarizeOptions, Diarizer
from kuvend.domain import AudioChunk


def compare_diarizers(
    a: tuple[str, Diarizer],
    b: tuple[str, Diarizer],
    chunks: Sequence[AudioChunk],
    options: DiarizeOptions,
    rounds: int,
) -> None:
    """Diarize every chunk with ``a`` then ``b``, ``rounds`` times, models loaded and warmed
    first; print each run's CPU-seconds, then each one's real-time factor (CPU-seconds per
    second of audio) and the ratio B/A. ``a`` and ``b`` are (description, diarizer)."""
    variants = {"A": a, "B": b}
    for _, diarizer in variants.values():
        diarizer.diarize_chunk(chunks[0], options)
    audio_s = sum(chunk.duration_s for chunk in chunks)
    totals = dict.fromkeys(variants, 0.0)
    for number in range(rounds):
        for name, (_, diarizer) in variants.items():
            started = time.process_time()
            for chunk in chunks:
                diarizer.diarize_chunk(chunk, options)
            spent = time.process_time() - started
            totals[name] += spent
            print(f"round {number + 1} {name}: {spent:6.2f} CPU-s for {audio_s:.0f} s of audio")
    rtf = {name: total / rounds / audio_s for name, total in totals.items()}
    print(
        f"A ({a[0]}) RTF {rtf['A']:.4f}; B ({b[0]}) RTF {rtf['B']:.4f}; "
        f"B/A {rtf['B'] / rtf['A']:.2f}"
    )
