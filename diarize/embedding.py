"""Voice embeddings with Resemblyzer's GE2E encoder (weights ship inside the PyPI package)."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from diarize.audio import Waveform
from kuvend.domain import SAMPLE_RATE_HZ, Embedding

#: Resemblyzer embeds 1.6 s windows (160 mel frames of 10 ms).
WINDOW_S = 1.6
EMBEDDING_DIM = 256


@dataclass(frozen=True, slots=True)
class EmbeddedTile:
    """A piece of a speech region labelled by the embedding of the window centred on it."""

    start_s: float
    end_s: float
    embedding: Embedding


@lru_cache(maxsize=1)
def _resemblyzer() -> Any:
    # Imported lazily so that importing ``diarize`` stays cheap for the CLI. Resemblyzer 0.1.4
    # (the last release) imports ``scipy.ndimage.morphology`` and webrtcvad's pkg_resources,
    # both deprecated; the warnings are theirs, not ours, and would fail warnings-as-errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import resemblyzer
        import resemblyzer.audio
    return resemblyzer


@lru_cache(maxsize=1)
def _encoder() -> Any:
    return _resemblyzer().VoiceEncoder("cpu", verbose=False)


def _loudness_normalised(samples: Waveform) -> Waveform:
    normalised: Waveform = _resemblyzer().audio.normalize_volume(samples, -30, increase_only=True)
    return normalised


def embed_region(
    samples: Waveform, start_s: float, end_s: float, step_s: float
) -> list[EmbeddedTile]:
    """Tile the region [start_s, end_s) of ``samples`` with one embedding per ``step_s``.

    Windows of 1.6 s start every ``step_s``; each window labels the stretch nearest its
    centre, so the tiles cover the region exactly and never overlap.
    """
    first, last = int(start_s * SAMPLE_RATE_HZ), int(end_s * SAMPLE_RATE_HZ)
    region = _loudness_normalised(samples[first:last])
    if len(region) == 0:
        return []
    _, partials, slices = _encoder().embed_utterance(
        region, return_partials=True, rate=1.0 / step_s, min_coverage=0.5
    )
    centres = [start_s + (piece.start + piece.stop) / 2 / SAMPLE_RATE_HZ for piece in slices]
    bounds = [start_s, *((a + b) / 2 for a, b in itertools.pairwise(centres)), end_s]
    return [
        EmbeddedTile(bounds[i], bounds[i + 1], np.asarray(partials[i], dtype=np.float32))
        for i in range(len(slices))
        if bounds[i + 1] > bounds[i]
    ]


def embed_samples(samples: Waveform) -> Embedding:
    """One L2-normalised embedding for a whole recording (a voice sample)."""
    embedding = _encoder().embed_utterance(_loudness_normalised(samples))
    return np.asarray(embedding, dtype=np.float32)


def normalised(vector: np.ndarray[Any, Any]) -> Embedding:
    """``vector`` scaled to unit length, float32."""
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 0 else vector, dtype=np.float32)


def normalised_rows(matrix: np.ndarray[Any, Any]) -> npt.NDArray[np.float32]:
    """Each row of ``matrix`` scaled to unit length (an all-zero row stays zero), float32."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def repeated_to(frames: npt.NDArray[np.float32], count: int) -> npt.NDArray[np.float32]:
    """``frames`` (frames, features) repeated until it holds at least ``count`` frames, cut
    there: a short piece of speech fills an encoder's window with itself, not with silence."""
    if len(frames) >= count:
        return frames
    repeats = -(-count // max(len(frames), 1))
    return np.tile(frames, (repeats, 1))[:count]


def tile_bounds(length_s: float, step_s: float) -> npt.NDArray[np.float64]:
    """Edges (seconds from a region's start) of the tiles that cover a region of ``length_s``
    exactly, about ``step_s`` each, at least one."""
    return np.linspace(0.0, length_s, max(1, round(length_s / step_s)) + 1)


class ResemblyzerEncoder:
    """Resemblyzer's GE2E encoder (PyTorch, weights inside the package), as a speaker encoder."""

    name = "resemblyzer"

    def embed(self, samples: Waveform) -> Embedding:
        """Resemblyzer's embedding of the whole of ``samples``."""
        return embed_samples(samples)

    def embed_region(
        self, samples: Waveform, start_s: float, end_s: float, step_s: float
    ) -> list[EmbeddedTile]:
        """One embedding per ``step_s`` of [start_s, end_s), from 1.6 s windows."""
        return embed_region(samples, start_s, end_s, step_s)
