"""The live site is replaced part by part from a finished build; a failed build changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.site_folder import exchange, rebuild_into


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_the_build_replaces_the_live_site_and_drops_what_it_no_longer_has(tmp_path: Path) -> None:
    live = tmp_path / "site"
    first = {"index.html": "1", "a/p.html": "a1", "b/p": "b"}
    rebuild_into(live, lambda new, _: _write(new, first))
    inode = live.stat().st_ino
    seen: list[str] = []

    def second(new: Path, previous: Path) -> None:
        seen.append((previous / "a" / "p.html").read_text())  # the build may read the old site
        _write(new, {"index.html": "2", "a/p.html": "a2"})

    rebuild_into(live, second)
    assert seen == ["a1"]
    assert (live / "index.html").read_text() == "2" and (live / "a" / "p.html").read_text() == "a2"
    assert not (live / "b").exists()
    assert live.is_dir() and not live.is_symlink() and live.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "site"]  # no leftovers


def test_a_failed_build_leaves_the_live_site_as_it_was(tmp_path: Path) -> None:
    live = tmp_path / "site"
    rebuild_into(live, lambda new, _: _write(new, {"index.html": "1", "a/p.html": "a1"}))

    def broken(new: Path, _: Path) -> None:
        _write(new, {"index.html": "half"})
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        rebuild_into(live, broken)
    assert (live / "index.html").read_text() == "1" and (live / "a" / "p.html").read_text() == "a1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "site"]


def test_folders_are_exchanged_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write(first, {"x": "1"})
    _write(second, {"y": "2"})
    assert exchange(first, second)  # renameat2(RENAME_EXCHANGE): no moment without either
    assert (first / "y").read_text() == "2" and (second / "x").read_text() == "1"
