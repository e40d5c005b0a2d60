"""The ``Diarizer`` protocol and the factory that picks a backend by name."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from diarize.audio import Waveform
from diarize.options import BACKENDS, DiarizeOptions
from kuvend.domain import AudioChunk, ChunkDiarization, Embedding
from kuvend.types import StageHook, no_hook


class Diarizer(Protocol):
    """Finds who speaks when inside one chunk; ``link_speakers`` names them across chunks."""

    name: str
    voice_space: str
    """The embedding space of this diarizer's regions, centroids and voiceprints."""

    def diarize_chunk(
        self, chunk: AudioChunk, options: DiarizeOptions, *, hook: StageHook = no_hook
    ) -> ChunkDiarization:
        """Speech regions of ``chunk`` on the session clock, with local labels and embeddings."""
        ...

    def embed(self, speech: Waveform) -> Embedding:
        """One L2-normalised voice embedding for 16 kHz speech, in this backend's space."""
        ...


def get_diarizer(
    name: str,
    *,
    encoder: str = "dvector",
    models_dir: Path | None = None,
    device: Literal["auto", "cpu", "cuda"] = "auto",
    overlap_model: Path | None = None,
    encoder_model: Path | None = None,
    checker_model: Path | None = None,
) -> Diarizer:
    """The diarizer called ``name`` ("embedded" or "pyannote").

    ``encoder`` ("dvector", "campplus" or "resemblyzer", see ``diarize.encoders``) is the
    embedded diarizer's speaker encoder, ``encoder_model`` its exported network where it needs
    one (``models.resolve_encoder_model``); pyannote brings its own.
    ``models_dir`` and ``device`` matter only to pyannote, whose pipeline is loaded from the
    operator's folder (``KUVEND_MODELS_DIR``) and runs on CUDA when present.
    ``overlap_model`` (``models.resolve_segmentation_model``) is the embedded diarizer's
    segmentation-3.0: without it no overlap is marked and no stretches are kept apart.
    pyannote finds overlap itself. ``checker_model`` (``models.resolve_checker_model``) is
    the CAM++ network the embedded diarizer asks for a second opinion on its speakers (None:
    none asked).
    """
    if name == "embedded":
        from diarize.embedded import EmbeddedDiarizer
        from diarize.encoders import get_encoder
        from diarize.powerset import SegmentationModel

        segmentation = SegmentationModel(overlap_model) if overlap_model is not None else None
        checker = get_encoder("campplus", model=checker_model) if checker_model else None
        return EmbeddedDiarizer(get_encoder(encoder, model=encoder_model), segmentation, checker)
    if name == "pyannote":
        from diarize.pyannote_backend import PyannoteDiarizer

        return PyannoteDiarizer.from_models_dir(models_dir, device=device)
    raise ValueError(f"unknown diarizer {name!r}; choose one of: {', '.join(BACKENDS)}")
