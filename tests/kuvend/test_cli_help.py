"""``--help`` of every command reads as prose: no ``<bool>``, no ``{braces}``, no type names."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cli import command

TYPE_NAME = re.compile(r"<(bool|str|int|path|float)[^>]*>")


def _paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(group, "commands", {}).items():
        paths += _paths(sub, (*prefix, name))
    return paths


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    command().main([*path, "--help"], prog_name="kuvend", standalone_mode=False)
    return capsys.readouterr().out


def test_every_help_names_values_plainly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    paths = _paths(command())
    assert ("sessions", "list") in paths and ("users", "disable") in paths
    for path in paths:
        output = _help(path, capsys)
        assert not TYPE_NAME.search(output), (path, output)
        usage = output.splitlines()[0]
        assert usage.startswith("Usage: kuvend") and "{" not in usage, (path, usage)
    process = _help(("process",), capsys)
    assert "Usage: kuvend process [OPTIONS] MEDIA" in process and "--out OUT" in process


def test_an_argument_that_may_be_left_out_is_shown_in_brackets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # typer 0.29 writes an optional argument like a required one ("models check NAME").
    group = command()
    for path in _paths(group):
        node: Any = group
        for name in path:
            node = node.commands[name]
        for param in getattr(node, "params", []):
            if param.param_type_name == "argument" and not param.required:
                usage = _help(path, capsys).splitlines()[0]
                assert f"[{param.name.upper()}]" in usage, (path, usage)
