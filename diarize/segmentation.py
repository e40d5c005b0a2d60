"""Speaker-change detection: a speech region's tiles joined into segments of one voice each.

A 1.6 s window is a noisy estimate of a voice; a whole turn is a good one. Inside each run of
touching tiles (one speech region), the boundary between tiles ``i-1`` and ``i`` scores the
cosine distance between the mean embedding of the two tiles before it and of the two after
it; a boundary whose score is a local maximum above ``change_threshold`` is a change of
speaker (a sliding-window distance detector, with voice embeddings as the statistics). Each
segment between changes is embedded by the normalised mean of its tiles: clustering then
sees one point per turn instead of one per window.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from diarize.embedding import EmbeddedTile, normalised

#: Tiles on each side of a boundary whose mean is compared (two 0.8 s steps, 2.4 s of audio).
CONTEXT_TILES = 2


def change_scores(tiles: Sequence[EmbeddedTile]) -> list[float]:
    """Cosine distance across each boundary of a run of touching tiles (index 0: none)."""
    embeddings = np.stack([tile.embedding for tile in tiles])
    scores = [0.0]
    for boundary in range(1, len(tiles)):
        before = normalised(embeddings[max(0, boundary - CONTEXT_TILES) : boundary].mean(axis=0))
        after = normalised(embeddings[boundary : boundary + CONTEXT_TILES].mean(axis=0))
        scores.append(1.0 - float(before @ after))
    return scores


def speaker_segments(tiles: Sequence[EmbeddedTile], change_threshold: float) -> list[EmbeddedTile]:
    """``tiles`` joined into segments of one speaker each (same cover, no overlap, in order)."""
    segments: list[EmbeddedTile] = []
    for run in _touching_runs(tiles):
        scores = change_scores(run)
        changes = [
            boundary
            for boundary in range(1, len(run))
            if scores[boundary] > change_threshold
            and scores[boundary] >= scores[boundary - 1]
            and (boundary + 1 >= len(run) or scores[boundary] >= scores[boundary + 1])
        ]
        bounds = [0, *changes, len(run)]
        for first, last in itertools.pairwise(bounds):
            piece = run[first:last]
            mean = np.stack([tile.embedding for tile in piece]).mean(axis=0)
            segments.append(EmbeddedTile(piece[0].start_s, piece[-1].end_s, normalised(mean)))
    return segments


def _touching_runs(tiles: Sequence[EmbeddedTile]) -> list[list[EmbeddedTile]]:
    runs: list[list[EmbeddedTile]] = []
    for tile in tiles:
        if runs and abs(runs[-1][-1].end_s - tile.start_s) < 1e-6:
            runs[-1].append(tile)
        else:
            runs.append([tile])
    return runs
