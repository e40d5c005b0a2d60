"""The pyannote backend's real code path on a locally built pipeline (untrained weights).

pyannote's pretrained weights are not on any package registry, so the pipeline here is
built from models constructed in the test (``local_pyannote``) and saved in the layout of
the operator's folder. What this shows is that Kuvend loads a pipeline folder, runs it on
in-memory audio and turns its exclusive output into session speakers; it says nothing about
pyannote's accuracy (the bench reports that, for what it is worth with random weights).
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from diarize import DiarizeOptions, get_diarizer, link_speakers
from kuvend.domain import AudioChunk, ChunkDiarization
from kuvend.errors import ModelError
from tests.diarize.sessions import cut_into_chunks
from tests.utils.speech import SyntheticSession, bilingual_dialogue, synthesize_session

needs_pyannote = pytest.mark.skipif(
    importlib.util.find_spec("pyannote.audio") is None,
    reason="the optional extra kuvend[pyannote] is not installed",
)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.diarize.local_pyannote import build_local_pyannote_folder

    root = tmp_path_factory.mktemp("models")
    build_local_pyannote_folder(root / "pyannote", segmentation_step=0.5)
    return root


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    return synthesize_session(bilingual_dialogue(2), tmp_path_factory.mktemp("s") / "s.wav")


@needs_pyannote
@pytest.mark.slow
def test_pyannote_pipeline_from_the_models_folder_diarizes_chunks(
    models_dir: Path, session: SyntheticSession, tmp_path: Path
) -> None:
    diarizer = get_diarizer("pyannote", models_dir=models_dir, device="cpu")
    chunks = cut_into_chunks(session.path, 6.0, tmp_path)[:2]
    steps: list[str] = []

    results = [
        diarizer.diarize_chunk(chunk, DiarizeOptions(), hook=lambda step, _: steps.append(step))
        for chunk in chunks
    ]
    diarization = link_speakers(results, DiarizeOptions())

    assert diarizer.name == "pyannote"
    assert {"segmentation", "embeddings", "cluster"} <= set(steps)
    for chunk, result in zip(chunks, results, strict=True):
        assert_well_formed(chunk, result)
    assert diarization.backend == "pyannote"
    turns = diarization.turns
    assert turns, "untrained segmentation still marks speech somewhere"
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(turns))
    assert all(0.0 <= turn.start_s < turn.end_s <= chunks[-1].end_s for turn in turns)
    assert set(diarization.centroids) == {turn.speaker for turn in turns}


def assert_well_formed(chunk: AudioChunk, result: ChunkDiarization) -> None:
    """Regions on the session clock, inside their chunk, exclusive, with unit embeddings."""
    assert result.backend == "pyannote"
    assert (result.chunk_index, result.offset_s) == (chunk.index, chunk.offset_s)
    regions = result.regions
    assert all(chunk.offset_s <= r.start_s < r.end_s <= chunk.end_s + 1e-6 for r in regions)
    assert all(a.end_s <= b.start_s + 1e-6 for a, b in itertools.pairwise(regions))
    for region in regions:
        assert region.embedding.shape == (256,)
        assert np.isfinite(region.embedding).all()
        assert abs(float(np.linalg.norm(region.embedding)) - 1.0) < 1e-4


def test_missing_models_dir_says_what_to_set() -> None:
    with pytest.raises(ModelError, match="KUVEND_MODELS_DIR"):
        get_diarizer("pyannote", models_dir=None)


def test_missing_pipeline_folder_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no pyannote pipeline at .*pyannote \(config.yaml"):
        get_diarizer("pyannote", models_dir=tmp_path)


def test_without_the_extra_the_error_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "pyannote").mkdir()
    (tmp_path / "pyannote" / "config.yaml").write_text("pipeline: {}\n")
    # Python's own way to make a package unimportable: a None entry in sys.modules.
    program = (
        "import sys; sys.modules['pyannote.audio'] = None\n"
        "from pathlib import Path\n"
        "from diarize import get_diarizer\n"
        "from kuvend.errors import KuvendError\n"
        "try:\n"
        f"    get_diarizer('pyannote', models_dir=Path({str(tmp_path)!r}))\n"
        "except KuvendError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )

    assert "pip install 'kuvend[pyannote]'" in result.stdout
