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
from scipy.sparse import csr_matrix
from scipy.spatial.distance import pdist, squareform

from diarize.audio import Waveform, concatenated
from diarize.embedding import EmbeddedTile, normalised
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


#: A cluster's square cosine distances and average-linkage tree, by its rows.
TreeCache = dict[tuple[int, ...], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]


def separate(
    labels: npt.NDArray[np.int64],
    embeddings: npt.NDArray[np.float32],
    pairs: Pairs,
    *,
    trees: TreeCache | None = None,
) -> npt.NDArray[np.int64]:
    """``labels`` (cluster per row of ``embeddings``; dense, 0..k-1) with every cluster holding
    a pair of ``pairs`` split so that no part holds one; labels stay dense, untouched clusters
    keep theirs.

    Such a cluster's own average-linkage tree (cosine) is cut into the fewest parts that part
    every pair it holds; then, closest first, parts that no pair joins merge again, until
    none can (cannot-link constraints in agglomerative clustering: Davidson & Ravi, SDM 2005).
    The cut alone may part a pair only by leaving others alone: where A is nearer B than C,
    and A and B are different people, the tree keeps A with B until every row stands alone,
    while C belongs with A. ``trees`` keeps each cluster's distances and tree for the next
    call on the same ``labels`` and ``embeddings`` (trying one pair after another).
    """
    labels = labels.copy()
    fresh = int(labels.max()) + 1 if len(labels) else 0
    for cluster in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == cluster)
        position = {int(row): place for place, row in enumerate(members)}
        inside = [(position[a], position[b]) for a, b in pairs if a in position and b in position]
        if not inside:
            continue
        key = tuple(members.tolist())
        cached = trees.get(key) if trees is not None else None
        if cached is None:
            condensed = np.clip(pdist(embeddings[members].astype(np.float64), "cosine"), 0.0, None)
            cached = (squareform(condensed), linkage(condensed, "average"))
            if trees is not None:
                trees[key] = cached
        distances, linked = cached
        cut = _fewest_parts(linked, np.asarray(inside))
        parts = _merged_where_allowed(cut, distances, inside)
        for place, row in enumerate(members):
            if parts[place] > 0:
                labels[row] = fresh + parts[place] - 1
        fresh += int(parts.max())
    _, dense = np.unique(labels, return_inverse=True)
    return dense.astype(np.int64)


def _fewest_parts(
    tree: npt.NDArray[np.float64], apart: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32]:
    """The cut of ``tree`` into the fewest clusters that parts every row pair of ``apart``
    (shape (pairs, 2)). Cuts into more clusters only refine cuts into fewer, so a pair parted
    at one count stays parted at every higher one: the count is found by bisection."""
    low, high = 2, len(tree) + 1
    while low < high:
        middle = (low + high) // 2
        cut = fcluster(tree, t=middle, criterion="maxclust")
        if (cut[apart[:, 0]] != cut[apart[:, 1]]).all():
            high = middle
        else:
            low = middle + 1
    parts: npt.NDArray[np.int32] = fcluster(tree, t=low, criterion="maxclust")
    return parts


def _merged_where_allowed(
    parts: npt.NDArray[np.int32],
    distances: npt.NDArray[np.float64],
    apart: Sequence[tuple[int, int]],
) -> npt.NDArray[np.int64]:
    """``parts`` (one per row) merged by average linkage over ``distances`` (rows x rows),
    closest first, while no merge joins a pair of ``apart`` (rows); numbered 0..k-1 in order
    of first row.

    Each part keeps its nearest allowed part; a merge recomputes only the parts whose nearest
    it changed, so a cut into many parts (a long session's clusters) stays quick.
    """
    names, owner = np.unique(parts, return_inverse=True)
    count = len(names)
    sizes = np.bincount(owner, minlength=count).astype(np.float64)
    onehot = csr_matrix((np.ones(len(owner)), (np.arange(len(owner)), owner)), (len(owner), count))
    # Mean distance between the rows of two parts.
    between = np.asarray(onehot.T @ (onehot.T @ distances).T) / np.outer(sizes, sizes)
    forbidden = np.eye(count, dtype=bool)
    for a, b in apart:
        forbidden[owner[a], owner[b]] = forbidden[owner[b], owner[a]] = True
    nearest = np.zeros(count, dtype=np.int64)
    nearest_distance = np.full(count, np.inf)

    def find_nearest(rows: npt.NDArray[np.int64]) -> None:
        allowed = np.where(forbidden[rows], np.inf, between[rows])
        nearest[rows] = allowed.argmin(axis=1)
        nearest_distance[rows] = allowed[np.arange(len(rows)), nearest[rows]]

    find_nearest(np.arange(count))
    while True:
        x = int(nearest_distance.argmin())
        if not np.isfinite(nearest_distance[x]):
            break
        y = int(nearest[x])
        # Lance-Williams update for average linkage: part y joins part x.
        between[x] = (sizes[x] * between[x] + sizes[y] * between[y]) / (sizes[x] + sizes[y])
        between[:, x] = between[x]
        forbidden[x] |= forbidden[y]
        forbidden[:, x] = forbidden[x]
        forbidden[y] = forbidden[:, y] = True
        sizes[x] += sizes[y]
        owner[owner == y] = x
        nearest_distance[y] = np.inf
        live = np.isfinite(nearest_distance)
        stale = np.flatnonzero(live & ((nearest == x) | (nearest == y)))
        find_nearest(np.union1d(stale, [x]))
        closer = np.flatnonzero(live & ~forbidden[:, x] & (between[:, x] < nearest_distance))
        nearest[closer], nearest_distance[closer] = x, between[closer, x]
    order: dict[int, int] = {}
    return np.asarray([order.setdefault(int(part), len(order)) for part in owner], dtype=np.int64)


def cross_check(
    labels: Sequence[int],
    segments: Sequence[EmbeddedTile],
    samples: Waveform,
    overlaps: Sequence[tuple[float, float]],
    checker: SpeakerEncoder,
    *,
    min_s: float,
    min_distance: float,
) -> tuple[list[int], Pairs]:
    """A second encoder's two questions about a chunk's local speakers (``labels``, one per
    segment): is each one voice (``split_by_checker``), and which of them are different
    people (``cross_checked_pairs``, on the labels after the split). Returns the new labels
    and those pairs of labels; arguments as ``split_by_checker``'s."""
    split = split_by_checker(
        labels, segments, samples, overlaps, checker, min_s=min_s, min_distance=min_distance
    )
    pairs = cross_checked_pairs(
        split, segments, samples, overlaps, checker, min_s=min_s, min_distance=min_distance
    )
    return split, pairs


def split_by_checker(
    labels: Sequence[int],
    segments: Sequence[EmbeddedTile],
    samples: Waveform,
    overlaps: Sequence[tuple[float, float]],
    checker: SpeakerEncoder,
    *,
    min_s: float,
    min_distance: float,
) -> list[int]:
    """``labels`` (a local speaker per segment) with each local speaker that a second encoder
    hears as two or more voices split.

    A local speaker's segments that hold at least ``min_s`` seconds outside ``overlaps`` are
    embedded by ``checker``; average linkage cut at ``min_distance`` (cosine) groups them.
    With more than one group, each group becomes a local speaker (the first keeps the label,
    the others take new ones) and the speaker's shorter segments join the group whose
    segments' mean embedding (the first encoder's, duration-weighted) is nearest. Times are
    seconds from the start of ``samples`` (16 kHz).
    """
    result = list(labels)
    fresh = max(labels, default=-1) + 1
    for label in sorted(set(labels)):
        rows = [row for row, other in enumerate(labels) if other == label]
        heard = {}
        for row in rows:
            pieces = _outside((segments[row].start_s, segments[row].end_s), overlaps)
            if pieces and sum(end - start for start, end in pieces) >= min_s:
                heard[row] = checker.embed(concatenated(samples, pieces))
        if len(heard) < 2:
            continue
        tree = linkage(
            np.clip(pdist(np.stack(list(heard.values())), "cosine"), 0.0, None), "average"
        )
        groups = fcluster(tree, t=min_distance, criterion="distance")
        if len(set(groups.tolist())) < 2:
            continue
        names = {
            group: label if n == 0 else fresh + n - 1
            for n, group in enumerate(dict.fromkeys(groups.tolist()))
        }
        fresh += len(names) - 1
        sums: dict[int, npt.NDArray[np.float64]] = {}
        for row, group in zip(heard, groups.tolist(), strict=True):
            result[row] = names[group]
            weight = segments[row].end_s - segments[row].start_s
            previous = sums.get(names[group], np.zeros_like(segments[row].embedding, np.float64))
            sums[names[group]] = previous + segments[row].embedding * weight
        for row in rows:
            if row not in heard:
                result[row] = max(
                    sums, key=lambda name: float(segments[row].embedding @ normalised(sums[name]))
                )
    return result


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
