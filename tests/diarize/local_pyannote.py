"""A pyannote pipeline folder built here, from untrained models: no hub, no downloaded weights.

It has the layout of the folder an operator prepares for production (``config.yaml``,
``segmentation/``, ``embedding/``, ``plda/``), so the production loader reads it exactly as it
would read the real one. The weights are random: it proves the code path, not the quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from diarize._pyannote_import import pyannote_audio

# The project's importer switches off pyannote's usage metrics and makes torchaudio load
# beside the CPU torch wheel; everything below relies on it having run.
pyannote_audio()

import torch  # noqa: E402
from pyannote.audio import __version__ as pyannote_version  # noqa: E402
from pyannote.audio.core.model import Model  # noqa: E402
from pyannote.audio.core.task import Problem, Resolution, Specifications  # noqa: E402
from pyannote.audio.models.embedding import WeSpeakerResNet34  # noqa: E402
from pyannote.audio.models.segmentation import PyanNet  # noqa: E402

EMBEDDING_DIM = 256
LDA_DIM = 128

CONFIG = """\
pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    segmentation: $model/segmentation
    embedding: $model/embedding
    plda: $model/plda
    clustering: AgglomerativeClustering
    segmentation_step: {segmentation_step}
    embedding_exclude_overlap: true
params:
  segmentation:
    min_duration_off: 0.0
  clustering:
    method: centroid
    min_cluster_size: 2
    threshold: 0.7
"""


def _save(model: Model, target: Path) -> None:
    """Write ``model`` as the Lightning checkpoint ``Model.from_pretrained`` reads."""
    target.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": "2.6.6",
        "pyannote.audio": {
            "versions": {"pyannote.audio": pyannote_version},
            "architecture": {
                "module": type(model).__module__,
                "class": type(model).__name__,
            },
            "specifications": model.specifications,
        },
    }
    torch.save(checkpoint, target / "pytorch_model.bin")


def build_local_pyannote_folder(
    target: Path, *, seed: int = 0, segmentation_step: float = 0.1
) -> Path:
    """A complete pipeline folder at ``target`` (returned), from models made in this process.

    ``segmentation_step`` (a fraction of the 10 s window) is the released pipeline's 0.1 by
    default; tests use a coarser step, because untrained segmentation finds three speakers
    in every window and each (window, speaker) costs one embedding.
    """
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)

    segmentation = PyanNet(sincnet={"stride": 10})
    # Powerset segmentation over 10 s windows, 3 local speakers, at most 2 at once: the
    # same problem the released segmentation model solves.
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=10.0,
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.build()
    # Untrained, every powerset class is about as likely, so every window looks like three
    # overlapping speakers, leaving no clean speech to embed and pyannote no centroid to
    # report. Bias the classifier towards "speaker 1 alone" (class 1; class 0 is silence)
    # so the pipeline has single-speaker frames to work with, as with a trained model.
    with torch.no_grad():
        segmentation.classifier.bias.fill_(-4.0)
        segmentation.classifier.bias[1] = 4.0
    _save(segmentation, target / "segmentation")

    embedding = WeSpeakerResNet34()
    embedding.specifications = Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=10.0
    )
    _save(embedding, target / "embedding")

    plda = target / "plda"
    plda.mkdir(parents=True, exist_ok=True)
    lda = np.linalg.qr(generator.normal(size=(EMBEDDING_DIM, LDA_DIM)))[0]
    np.savez(
        plda / "xvec_transform.npz",
        mean1=np.zeros(EMBEDDING_DIM),
        mean2=np.zeros(LDA_DIM),
        lda=lda,
    )
    np.savez(
        plda / "plda.npz",
        mu=np.zeros(LDA_DIM),
        tr=np.eye(LDA_DIM),
        psi=np.linspace(2.0, 0.1, LDA_DIM),
    )
    (target / "config.yaml").write_text(
        CONFIG.format(segmentation_step=segmentation_step), encoding="utf-8"
    )
    return target
