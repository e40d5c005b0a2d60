"""Agglomerative clustering of voice embeddings with an automatically chosen speaker count."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

Labels = npt.NDArray[np.int64]


def cluster_embeddings(
    embeddings: npt.NDArray[np.float32],
    weights_s: Sequence[float],
    *,
    threshold: float,
    min_clusters: int | None = None,
    max_clusters: int | None = None,
    min_cluster_s: float = 0.0,
) -> Labels:
    """Cluster indices 0..k-1 for each row of ``embeddings`` (L2-normalised).

    Average linkage on cosine distance, cut at ``threshold``; the count is then pushed into
    [min_clusters, max_clusters] by re-cutting the same tree. Clusters holding less than
    ``min_cluster_s`` seconds (``weights_s``) are folded into the nearest larger cluster, which
    keeps a noisy window from becoming a speaker while a 2 s intervention stays one.
    """
    count = len(embeddings)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    distances = pdist(embeddings.astype(np.float64), metric="cosine")
    tree = linkage(np.clip(distances, 0.0, None), method="average")
    labels = fcluster(tree, t=threshold, criterion="distance")
    found = len(set(labels.tolist()))
    upper = min(max_clusters or count, count)
    lower = min(min_clusters or 1, upper)
    if found > upper or found < lower:
        labels = fcluster(tree, t=upper if found > upper else lower, criterion="maxclust")
    labels = _fold_small_clusters(embeddings, np.asarray(weights_s), labels, min_cluster_s, lower)
    return _dense(labels)


def _fold_small_clusters(
    embeddings: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int32],
    min_cluster_s: float,
    min_clusters: int,
) -> npt.NDArray[np.int32]:
    labels = labels.copy()
    while True:
        names, inverse = np.unique(labels, return_inverse=True)
        totals = np.bincount(inverse, weights=weights)
        if len(names) <= max(min_clusters, 1) or totals.min() >= min_cluster_s:
            return labels
        smallest = int(np.argmin(totals))
        centroids = _centroids(embeddings, weights, inverse, len(names))
        similarity = centroids @ centroids[smallest]
        similarity[smallest] = -np.inf
        labels[inverse == smallest] = names[int(np.argmax(similarity))]


def _centroids(
    embeddings: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float64],
    inverse: npt.NDArray[np.intp],
    count: int,
) -> npt.NDArray[np.float32]:
    sums = np.zeros((count, embeddings.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, embeddings * weights[:, None])
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _dense(labels: npt.NDArray[np.int32]) -> Labels:
    """Relabel to 0..k-1 in order of first occurrence."""
    order: dict[int, int] = {}
    for label in labels.tolist():
        order.setdefault(label, len(order))
    return np.asarray([order[label] for label in labels.tolist()], dtype=np.int64)
