"""Speaker encoders of the embedded diarizer, chosen by name (``KUVEND_SPEAKER_ENCODER``)."""

from __future__ import annotations

from typing import Protocol

from diarize.audio import Waveform
from diarize.embedding import EmbeddedTile
from kuvend.domain import Embedding

#: The encoders ``get_encoder`` knows; the first is the default (lowest DER, see the README).
ENCODERS = ("dvector", "resemblyzer")


class SpeakerEncoder(Protocol):
    """Turns 16 kHz speech into L2-normalised 256-dim voice embeddings."""

    name: str

    def embed(self, samples: Waveform) -> Embedding:
        """One embedding for the whole of ``samples`` (a voice sample, a speaker's turns)."""
        ...

    def embed_region(
        self, samples: Waveform, start_s: float, end_s: float, step_s: float
    ) -> list[EmbeddedTile]:
        """Tiles covering [start_s, end_s) of ``samples``, one embedding per ``step_s``."""
        ...


def get_encoder(name: str) -> SpeakerEncoder:
    """The encoder called ``name``; ``ValueError`` naming the choices for another name."""
    if name == "dvector":
        from diarize.dvector import DVectorEncoder

        return DVectorEncoder()
    if name == "resemblyzer":
        from diarize.embedding import ResemblyzerEncoder

        return ResemblyzerEncoder()
    raise ValueError(f"unknown speaker encoder {name!r}; choose one of: {', '.join(ENCODERS)}")
