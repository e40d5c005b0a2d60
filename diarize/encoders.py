"""Speaker encoders of the embedded diarizer, chosen by name (``KUVEND_SPEAKER_ENCODER``)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from diarize.audio import Waveform
from diarize.campplus import EMBEDDING_DIM as CAMPLUS_DIM
from diarize.embedding import EMBEDDING_DIM, EmbeddedTile
from kuvend.domain import Embedding

#: The encoders ``get_encoder`` knows; the first is the default (lowest DER, see the README).
ENCODERS = ("dvector", "campplus", "resemblyzer")
#: The size of each encoder's embeddings (the d-vector's and Resemblyzer's are both 256).
EMBEDDING_SIZES = {"dvector": EMBEDDING_DIM, "campplus": CAMPLUS_DIM, "resemblyzer": EMBEDDING_DIM}


class SpeakerEncoder(Protocol):
    """Turns 16 kHz speech into L2-normalised voice embeddings (256-dim; CAM++: 192)."""

    name: str

    def embed(self, samples: Waveform) -> Embedding:
        """One embedding for the whole of ``samples`` (a voice sample, a speaker's turns)."""
        ...

    def embed_region(
        self, samples: Waveform, start_s: float, end_s: float, step_s: float
    ) -> list[EmbeddedTile]:
        """Tiles covering [start_s, end_s) of ``samples``, one embedding per ``step_s``."""
        ...


def get_encoder(name: str, *, model: Path | None = None) -> SpeakerEncoder:
    """The encoder called ``name``; ``ValueError`` naming the choices for another name.

    ``model`` is the exported network of an encoder that needs one (CAM++:
    ``models.resolve_encoder_model``); ``ValueError`` when it is missing.
    """
    if name == "campplus":
        from diarize.campplus import CAMPlusPlusEncoder

        if model is None:
            raise ValueError("the CAM++ encoder needs its model (models.resolve_encoder_model)")
        return CAMPlusPlusEncoder(model)
    if name == "dvector":
        from diarize.dvector import DVectorEncoder

        return DVectorEncoder()
    if name == "resemblyzer":
        from diarize.embedding import ResemblyzerEncoder

        return ResemblyzerEncoder()
    raise ValueError(f"unknown speaker encoder {name!r}; choose one of: {', '.join(ENCODERS)}")
