"""Cannot-link constraints: stretches of speech that are different people for certain.

Inside one 10 s window the segmentation network tells voices apart by their context, not only
by a fixed-size embedding: where two long stretches of one window are each, almost frame for
frame, a different window-local speaker, they are different people, however close their
voice embeddings are (pyannote's sample, two close voices, otherwise collapses into one
speaker). Clustering stays agglomerative; a cluster that would join such a pair is split
again (``separate``).

A second encoder is a second opinion (``cross_checked_pairs``): the d-vector puts some
synthetic voices as close as one real speaker's turns in a noisy room, CAM++ splits that room;
two long local speakers of one chunk that CAM++ puts far apart are different people.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from diarize.audio import Waveform, concatenated
from diarize.embedding import EmbeddedTile
from diarize.powerset import (
    FRAMES_PER_WINDOW,
    WINDOW_SAMPLES,
    PowersetWindows,
    frame_centres_s,
)
from kuvend.domain import SAMPLE_RATE_HZ

if TYPE_CHECKING:
    from diarize.encoders import SpeakerEncoder

Pairs = set[tuple[int, int]]


def distinct_pairs(
    segments: Sequence[EmbeddedTile],
    windows: PowersetWindows,
    *,
    min_frames: int,
    dominance: float,
) -> Pairs:
    """Index pairs (i < j) of ``segments`` that segmentation says are different people.

    A segment speaks as a window-local speaker when it lies inside the window, covers at
    least ``min_frames`` of its frames, at least half of them with one speaker alone, and
    that speaker holds ``dominance`` (0..1) of those. Two segments speaking as different
    local speakers of one window are a pair. Times of ``segments`` are from the start of the
    windows' audio.
    """
    window_s = WINDOW_SAMPLES / SAMPLE_RATE_HZ
    active = windows.active_speakers()
    pairs: Pairs = set()
    for start, window in zip(windows.starts, active, strict=True):
        start_s = int(start) / SAMPLE_RATE_HZ
        centres = frame_centres_s(np.arange(FRAMES_PER_WINDOW), int(start))
        voices: dict[int, int] = {}
        for index, segment in enumerate(segments):
            if segment.start_s < start_s or segment.end_s > start_s + window_s:
                continue
            inside = (centres >= segment.start_s) & (centres < segment.end_s)
            if inside.sum() < min_frames:
                continue
            alone = window[inside][window[inside].sum(axis=1) == 1]
            if len(alone) < inside.sum() / 2:
                continue
            counts = alone.sum(axis=0)
            if counts.max() >= dominance * len(alone):
                voices[index] = int(counts.argmax())
        for (a, voice_a), (b, voice_b) in itertools.combinations(sorted(voices.items()), 2):
            if voice_a != voice_b:
                pairs.add((a, b))
    return pairs


def separate(
    labels: npt.NDArray[np.int64], embeddings: npt.NDArray[np.float32], pairs: Pairs
) -> npt.NDArray[np.int64]:
    """``labels`` (cluster per row of ``embeddings``) with every cluster holding a pair of
    ``pairs`` split, by average linkage on its own members, into the fewest clusters that
    part every pair it holds; labels stay dense (0..k-1), untouched clusters keep theirs."""
    labels = labels.copy()
    for cluster in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == cluster)
        position = {int(row): place for place, row in enumerate(members)}
        inside = [(position[a], position[b]) for a, b in pairs if a in position and b in position]
        if not inside:
            continue
        tree = linkage(np.clip(pdist(embeddings[members], metric="cosine"), 0.0, None), "average")
        for count in range(2, len(members) + 1):
            parts = fcluster(tree, t=count, criterion="maxclust")
            if all(parts[a] != parts[b] for a, b in inside):
                break
        fresh = int(labels.max()) + 1
        for place, row in enumerate(members):
            if parts[place] > 1:
                labels[row] = fresh + parts[place] - 2
    _, dense = np.unique(labels, return_inverse=True)
    return dense.astype(np.int64)


def cross_checked_pairs(
    labels: Sequence[int],
    tiles: Sequence[EmbeddedTile],
    samples: Waveform,
    overlaps: Sequence[tuple[float, float]],
    checker: SpeakerEncoder,
    *,
    min_s: float,
    min_distance: float,
) -> Pairs:
    """Pairs (a < b) of local speakers (``labels``, one per tile) that a second encoder says are
    different people: each spoke at least ``min_s`` seconds outside ``overlaps``, and
    ``checker``'s embeddings of that speech lie more than ``min_distance`` apart (cosine).

    Times of ``tiles`` and ``overlaps`` are seconds from the start of ``samples`` (16 kHz).
    Overlapped speech is left out: a mixture of two voices is neither of them.
    """
    spans: dict[int, list[tuple[float, float]]] = {}
    for label, tile in zip(labels, tiles, strict=True):
        spans.setdefault(label, []).extend(_outside((tile.start_s, tile.end_s), overlaps))
    embeddings = {}
    for label, pieces in spans.items():
        if pieces and sum(end - start for start, end in pieces) >= min_s:
            embeddings[label] = checker.embed(concatenated(samples, pieces))
    return {
        (a, b)
        for a, b in itertools.combinations(sorted(embeddings), 2)
        if 1.0 - float(embeddings[a] @ embeddings[b]) > min_distance
    }


def _outside(
    span: tuple[float, float], overlaps: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of ``span`` that no stretch of ``overlaps`` covers."""
    pieces = [span]
    for first, last in overlaps:
        pieces = [
            piece
            for start, end in pieces
            for piece in ((start, min(end, first)), (max(start, last), end))
            if piece[1] > piece[0]
        ]
    return pieces
