"""From chunk-local speakers to session speakers: offline clustering and live linking."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from diarize.clustering import cluster_embeddings
from diarize.constraints import TreeCache, separate
from diarize.embedding import normalised
from diarize.fill import fill_missed_speech
from diarize.options import DiarizeOptions
from diarize.overlap import second_voices
from kuvend.domain import ChunkDiarization, Diarization, Embedding, SpeakerTurn, SpeechRegion

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LocalSpeaker:
    """One chunk-local speaker: its regions, summarised by a duration-weighted centroid."""

    chunk_index: int
    label: str
    regions: tuple[SpeechRegion, ...]
    centroid: Embedding
    seconds: float


def link_speakers(
    chunk_diarizations: Iterable[ChunkDiarization], options: DiarizeOptions
) -> Diarization:
    """Session speakers S1, S2… (in order of first appearance) over all chunks at once.

    Each chunk-local speaker becomes one point (its centroid); agglomerative clustering with
    ``options.link_threshold`` picks the count, bounded by ``min_speakers``/``max_speakers``.
    Turns are exclusive: regions never overlap, and one speaker's regions separated by at most
    ``merge_gap_s`` of silence form one turn.
    """
    chunks = sorted(chunk_diarizations, key=lambda chunk: chunk.offset_s)
    duration_s = max((chunk.offset_s + chunk.duration_s for chunk in chunks), default=0.0)
    backend = chunks[0].backend if chunks else ""
    locals_ = local_speakers(chunks)
    lower, upper = options.min_speakers, options.max_speakers
    if lower is not None and len(locals_) < lower:
        # Fewer local speakers than the operator knows are there: split single regions
        # into exactly that many speakers (the finest grouping the chunks allow).
        locals_, upper = local_speakers(chunks, per_region=True), lower
    overlaps = _merged(stretch for chunk in chunks for stretch in chunk.overlaps)
    speech = _merged(stretch for chunk in chunks for stretch in chunk.speech)
    if not locals_:
        return Diarization((), {}, backend, duration_s, overlaps)
    clusters = cluster_embeddings(
        np.stack([local.centroid for local in locals_]),
        [local.seconds for local in locals_],
        threshold=options.link_threshold,
        min_clusters=lower,
        max_clusters=upper,
        min_cluster_s=options.min_speaker_s,
    )
    clusters = _kept_apart(clusters, locals_, chunks, upper)
    labelled = [
        (region, int(cluster))
        for local, cluster in zip(locals_, clusters, strict=True)
        for region in local.regions
    ]
    log.info("%d local speakers linked into %d session speakers", len(locals_), max(clusters) + 1)
    diarization = _diarization(labelled, options, backend, duration_s, overlaps, speech)
    voices = second_voices(diarization.turns, overlaps, max_gap_s=options.second_voice_gap_s)
    return replace(diarization, second_voices=voices)


class SpeakerLinker:
    """Live linking: each new chunk's speakers join the session's nearest centroid, or start one.

    A chunk-local speaker whose centroid lies within ``link_threshold`` (cosine distance) of a
    session centroid takes that speaker's label, and the centroid moves towards it, weighted
    by seconds of speech; otherwise it becomes the next label. Labels never change once
    given, so a speaker S3 in chunk 40 is the S3 of chunk 2 and published live captions stay
    true. ``link_speakers`` over the whole session may regroup better once recording ends.
    """

    def __init__(self, options: DiarizeOptions) -> None:
        self.options = options
        self._sums: list[np.ndarray] = []
        self._seconds: list[float] = []
        self._regions: list[tuple[SpeechRegion, int]] = []
        self._overlaps: list[tuple[float, float]] = []
        self._speech: list[tuple[float, float]] = []
        self._duration_s = 0.0
        self._backend = ""

    @property
    def centroids(self) -> dict[str, Embedding]:
        """Session speakers' current centroids by label."""
        return {f"S{i + 1}": normalised(total) for i, total in enumerate(self._sums)}

    def add(self, chunk: ChunkDiarization) -> dict[str, str]:
        """Link one chunk; returns its local label -> session label."""
        self._duration_s = max(self._duration_s, chunk.offset_s + chunk.duration_s)
        self._backend = chunk.backend
        self._overlaps += chunk.overlaps
        self._speech += chunk.speech
        mapping: dict[str, str] = {}
        given: dict[str, int] = {}
        # Longest first: a well-measured speaker claims its label before short pieces look.
        for local in sorted(local_speakers([chunk]), key=lambda local: -local.seconds):
            # A label given to someone this chunk says is another person is not this one's.
            taken = {
                index
                for label, index in given.items()
                if (label, local.label) in chunk.distinct or (local.label, label) in chunk.distinct
            }
            index = self._nearest(
                local.centroid,
                may_start=local.seconds >= self.options.min_speaker_s,
                taken=taken,
            )
            if index is None:
                self._sums.append(np.zeros_like(local.centroid, dtype=np.float64))
                self._seconds.append(0.0)
                index = len(self._sums) - 1
            self._sums[index] = self._sums[index] + local.centroid * local.seconds
            self._seconds[index] += local.seconds
            self._regions += [(region, index) for region in local.regions]
            mapping[local.label] = f"S{index + 1}"
            given[local.label] = index
        return mapping

    def diarization(self) -> Diarization:
        """Everything linked so far, as exclusive turns with the labels already given, and
        the overlaps; second voices are named once, by ``link_speakers`` over the session."""
        return _diarization(
            self._regions,
            self.options,
            self._backend,
            self._duration_s,
            _merged(self._overlaps),
            _merged(self._speech),
            relabel=False,
        )

    def _nearest(self, centroid: Embedding, *, may_start: bool, taken: set[int]) -> int | None:
        """The session speaker within ``link_threshold``; else None to start a new one, or,
        for a local speaker too short to stand alone (``may_start`` false), the closest.
        Session speakers in ``taken`` are never chosen."""
        candidates = [index for index in range(len(self._sums)) if index not in taken]
        if not candidates:
            return None
        similarities = {
            index: float(normalised(self._sums[index]) @ centroid) for index in candidates
        }
        best = max(similarities, key=lambda index: similarities[index])
        close = 1.0 - similarities[best] <= self.options.link_threshold
        return best if close or not may_start else None


def local_speakers(
    chunks: Sequence[ChunkDiarization], *, per_region: bool = False
) -> list[LocalSpeaker]:
    """The chunk-local speakers of ``chunks``, each one point for linking; ``per_region``:
    every region a speaker of its own (the finest grouping the chunks allow)."""
    speakers: list[LocalSpeaker] = []
    for chunk in chunks:
        groups: dict[str, list[SpeechRegion]] = {}
        for number, region in enumerate(chunk.regions):
            key = f"{region.label}.{number}" if per_region else region.label
            groups.setdefault(key, []).append(region)
        for label, members in groups.items():
            regions = tuple(members)
            seconds = np.asarray([region.end_s - region.start_s for region in regions])
            weighted = np.stack([region.embedding for region in regions]) * seconds[:, None]
            speakers.append(
                LocalSpeaker(
                    chunk.chunk_index,
                    label,
                    regions,
                    normalised(weighted.sum(axis=0)),
                    float(seconds.sum()),
                )
            )
    return speakers


def _kept_apart(
    clusters: npt.NDArray[np.int64],
    locals_: Sequence[LocalSpeaker],
    chunks: Sequence[ChunkDiarization],
    upper: int | None,
) -> npt.NDArray[np.int64]:
    """``clusters`` with local speakers that a chunk says are different people
    (``ChunkDiarization.distinct``) in different clusters. Under an operator's ``upper`` bound,
    the pairs whose centroids lie furthest apart are kept first, each only if the count still
    fits: one pair too many does not undo the others."""
    position = {(local.chunk_index, local.label): row for row, local in enumerate(locals_)}
    pairs = {
        (position[chunk.chunk_index, first], position[chunk.chunk_index, second])
        for chunk in chunks
        for first, second in chunk.distinct
        if (chunk.chunk_index, first) in position and (chunk.chunk_index, second) in position
    }
    if not pairs:
        return clusters
    centroids = np.stack([local.centroid for local in locals_])
    apart = separate(clusters, centroids, pairs)
    if upper is None or int(apart.max()) + 1 <= upper:
        return apart
    kept: set[tuple[int, int]] = set()
    result = clusters
    trees: TreeCache = {}
    for pair in sorted(pairs, key=lambda pair: float(centroids[pair[0]] @ centroids[pair[1]])):
        trial = separate(clusters, centroids, kept | {pair}, trees=trees)
        if int(trial.max()) + 1 <= upper:
            kept.add(pair)
            result = trial
    return result


def _merged(stretches: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Stretches of all chunks (overlapped speech, or speech), sorted, touching ones joined."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(stretches):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _diarization(
    labelled: Sequence[tuple[SpeechRegion, int]],
    options: DiarizeOptions,
    backend: str,
    duration_s: float,
    overlaps: tuple[tuple[float, float], ...] = (),
    speech: tuple[tuple[float, float], ...] = (),
    *,
    relabel: bool = True,
) -> Diarization:
    """Exclusive turns and centroids from regions with session cluster numbers; the regions
    grow through the ``speech`` their edges lie in (``diarize.fill``), while the centroids
    weigh only the embedded regions, and one speaker's pieces at most ``merge_gap_s`` apart
    form one turn."""
    ordered = sorted(labelled, key=lambda item: item[0].start_s)
    names: dict[int, str] = {}
    for _, cluster in ordered:
        names.setdefault(cluster, f"S{len(names) + 1}" if relabel else f"S{cluster + 1}")
    pieces: list[SpeakerTurn] = []
    sums: dict[str, np.ndarray] = {}
    cursor = 0.0
    for region, cluster in ordered:
        speaker = names[cluster]
        # Exclusive by construction: a region starting inside the previous one is clipped.
        start, end = max(region.start_s, cursor), region.end_s
        if end <= start:
            continue
        sums[speaker] = sums.get(speaker, 0.0) + region.embedding * (end - start)
        pieces.append(SpeakerTurn(start, end, speaker))
        cursor = end
    centroids = {speaker: normalised(total) for speaker, total in sums.items()}
    if speech:
        pieces = fill_missed_speech(pieces, speech)
    turns = _joined(pieces, options.merge_gap_s)
    return Diarization(tuple(turns), centroids, backend, duration_s, overlaps)


def _joined(turns: Sequence[SpeakerTurn], max_gap_s: float) -> list[SpeakerTurn]:
    """Consecutive turns of one speaker at most ``max_gap_s`` apart, as one turn."""
    joined: list[SpeakerTurn] = []
    for turn in turns:
        last = joined[-1] if joined else None
        if last and last.speaker == turn.speaker and turn.start_s - last.end_s <= max_gap_s:
            joined[-1] = SpeakerTurn(last.start_s, turn.end_s, turn.speaker)
        else:
            joined.append(turn)
    return joined
