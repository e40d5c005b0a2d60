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


def test_kept_parts_stay_as_they_are_and_their_folder_is_updated_part_by_part(
    tmp_path: Path,
) -> None:
    live = tmp_path / "site"
    first = {"index.html": "1", "a/index.html": "a1", "a/s1/p": "s1", "a/s2/p": "s2", "b/p": "b"}
    rebuild_into(live, lambda new, _: _write(new, first))
    kept = [live / "a" / "s2" / "p", live / "a" / "s2", live / "b" / "p", live / "b"]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept]
    folder = (live / "a").stat().st_ino

    def second(new: Path, _: Path) -> list[str]:
        _write(new, {"index.html": "2", "a/index.html": "a2", "a/s1/p": "s1 v2"})
        return ["a/s2", "b"]

    rebuild_into(live, second, kept=lambda names: names)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept] == before
    assert (live / "a").stat().st_ino == folder  # updated in place, not swapped whole
    assert (live / "a" / "s1" / "p").read_text() == "s1 v2"
    assert (live / "a" / "index.html").read_text() == "a2"
    assert (live / "index.html").read_text() == "2"

    rebuild_into(live, lambda new, _: _write(new, {"index.html": "3", "a/index.html": "a3"}))
    assert sorted(p.name for p in live.iterdir()) == ["a", "index.html"]  # nothing kept: gone
    assert sorted(p.name for p in (live / "a").iterdir()) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "site"]
