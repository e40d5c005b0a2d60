"""The pyannote backend: pyannote.audio's speaker-diarization pipeline from a local folder.

The operator prepares the folder once (see the README): ``KUVEND_MODELS_DIR/pyannote`` holds
the pipeline's ``config.yaml`` and the ``segmentation/``, ``embedding/`` and ``plda/`` folders
it names. Nothing is fetched from a hub; the pipeline runs on CUDA when present.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np

from diarize._pyannote_import import pyannote_audio
from diarize.audio import Waveform, read_wav
from diarize.embedding import normalised
from diarize.options import DiarizeOptions
from kuvend.domain import SAMPLE_RATE_HZ, AudioChunk, ChunkDiarization, Embedding, SpeechRegion
from kuvend.errors import ModelError
from kuvend.types import StageHook, no_hook

log = logging.getLogger(__name__)

#: The pipeline's folder inside ``KUVEND_MODELS_DIR``.
PYANNOTE_FOLDER = "pyannote"


def pyannote_folder(models_dir: Path | None) -> Path:
    """``models_dir/pyannote`` if it holds a pipeline, else ``ModelError`` saying what to do."""
    if models_dir is None:
        raise ModelError(
            "the pyannote diarizer needs KUVEND_MODELS_DIR pointing at a folder with a "
            "pyannote/ pipeline (see the README), or use KUVEND_DIARIZER=embedded"
        )
    folder = models_dir / PYANNOTE_FOLDER
    if not (folder / "config.yaml").is_file():
        raise ModelError(
            f"no pyannote pipeline at {folder} (config.yaml missing); prepare it as the README "
            "says, or use KUVEND_DIARIZER=embedded"
        )
    return folder


class PyannoteDiarizer:
    """pyannote.audio's ``SpeakerDiarization`` per chunk; its exclusive output, its embeddings."""

    name = "pyannote"
    voice_space = "pyannote"

    def __init__(self, pipeline: Any, *, device: str) -> None:
        self._pipeline = pipeline
        self.device = device

    @classmethod
    def from_models_dir(
        cls, models_dir: Path | None, *, device: Literal["auto", "cpu", "cuda"] = "auto"
    ) -> PyannoteDiarizer:
        """The pipeline from ``models_dir/pyannote`` on ``device`` (auto: CUDA when present)."""
        folder = pyannote_folder(models_dir)
        audio = pyannote_audio()
        import torch

        chosen = "cuda" if device == "auto" and torch.cuda.is_available() else device
        chosen = "cpu" if chosen == "auto" else chosen
        started = time.perf_counter()
        try:
            pipeline = audio.Pipeline.from_pretrained(folder)
        except (OSError, KeyError, ValueError, RuntimeError) as error:
            raise ModelError(
                f"cannot load the pyannote pipeline from {folder}: {error}".splitlines()[0]
            ) from error
        if pipeline is None:
            raise ModelError(f"cannot load the pyannote pipeline from {folder}")
        pipeline.to(torch.device(chosen))
        log.info(
            "pyannote pipeline from %s on %s in %.1f s",
            folder,
            chosen,
            time.perf_counter() - started,
        )
        return cls(pipeline, device=chosen)

    def diarize_chunk(
        self, chunk: AudioChunk, options: DiarizeOptions, *, hook: StageHook = no_hook
    ) -> ChunkDiarization:
        """Exclusive speaker turns of ``chunk``, each carrying its local speaker's embedding.

        Audio goes to pyannote in memory (its file decoding needs a CUDA torchcodec).
        ``max_speakers`` bounds each chunk too; ``min_speakers`` is a session-level fact
        and is left to ``link_speakers``.
        """
        import torch

        started = time.perf_counter()
        samples = read_wav(chunk.path)
        with warnings.catch_warnings():
            # A local speaker with one frame of speech makes pyannote's statistics pooling
            # and centroid averaging warn (std with 1 sample, mean of nothing); pyannote
            # handles both (the speaker gets no embedding), so they are noise here.
            warnings.filterwarnings("ignore", message=r"std\(\): degrees of freedom")
            warnings.filterwarnings("ignore", message="Mean of empty slice")
            warnings.filterwarnings("ignore", message="invalid value encountered in divide")
            output = self._pipeline(
                {"waveform": torch.from_numpy(samples)[None], "sample_rate": SAMPLE_RATE_HZ},
                max_speakers=options.max_speakers,
                hook=_PyannoteHook(hook),
            )
        labels = output.speaker_diarization.labels()
        embeddings = dict(zip(labels, _rows(output.speaker_embeddings, len(labels)), strict=True))
        turns = [
            (float(segment.start), float(segment.end), str(label))
            for segment, _, label in output.exclusive_speaker_diarization.itertracks(
                yield_label=True
            )
        ]
        regions = _with_embeddings(turns, embeddings, chunk.offset_s, _duration(samples))
        # pyannote's own (non-exclusive) output knows where two speakers are active at once.
        overlaps = tuple(
            (chunk.offset_s + float(stretch.start), chunk.offset_s + float(stretch.end))
            for stretch in output.speaker_diarization.get_overlap()
            if stretch.duration >= options.overlap_min_s
        )
        log.info(
            "chunk %d: %d turns, %d local speakers in %.1f s",
            chunk.index,
            len(regions),
            len({region.label for region in regions}),
            time.perf_counter() - started,
        )
        result = ChunkDiarization(
            chunk.index, chunk.offset_s, chunk.duration_s, regions, self.name, overlaps
        )
        hook("cluster", result)
        return result

    def embed(self, speech: Waveform) -> Embedding:
        """The pipeline's own speaker embedding of ``speech`` (same space as its centroids)."""
        import torch

        # The pipeline keeps its embedding model as ``_embedding`` (pyannote's
        # PretrainedSpeakerEmbedding): batch of (channel, samples) in, (batch, dim) out.
        embeddings = self._pipeline._embedding(torch.from_numpy(speech)[None, None])
        return normalised(np.asarray(embeddings, dtype=np.float32)[0])


class _PyannoteHook:
    """Passes pyannote's steps to a Kuvend hook, once per step (not per batch)."""

    def __init__(self, hook: StageHook) -> None:
        self._hook = hook

    def __call__(self, step: str, artefact: Any, **progress: Any) -> None:
        if progress.get("completed") is None:
            self._hook(step, artefact)


def _rows(embeddings: Any, count: int) -> list[Embedding | None]:
    """One normalised embedding per local speaker; None where pyannote could not make one."""
    if embeddings is None:
        return [None] * count
    rows: list[Embedding | None] = []
    for row in np.asarray(embeddings, dtype=np.float32)[:count]:
        rows.append(normalised(row) if np.isfinite(row).all() and np.any(row) else None)
    return rows


def _with_embeddings(
    turns: list[tuple[float, float, str]],
    embeddings: dict[str, Embedding | None],
    offset_s: float,
    duration_s: float,
) -> tuple[SpeechRegion, ...]:
    """Regions on the session clock; a speaker pyannote gave no embedding (too little clean
    speech) joins the turn nearest in time, rather than vanishing from the minutes."""
    known = [
        (start, end, label) for start, end, label in turns if embeddings.get(label) is not None
    ]
    regions = []
    for start, end, label in turns:
        end = min(end, duration_s)
        if end <= start:
            continue
        if embeddings.get(label) is None:
            if not known:
                continue
            label = min(known, key=lambda turn: max(turn[0] - end, start - turn[1], 0.0))[2]
        embedding = embeddings[label]
        assert embedding is not None  # chosen among speakers with embeddings just above
        regions.append(SpeechRegion(offset_s + start, offset_s + end, label, embedding))
    return tuple(regions)


def _duration(samples: Waveform) -> float:
    return len(samples) / SAMPLE_RATE_HZ
