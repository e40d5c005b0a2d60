"""Printing tables and JSON on standard output so that every id stays whole on one line.

On a terminal a table fits the window by wrapping its text columns, never an id column; when
the output is a pipe or a file there is no window, so rows are never wrapped (rich would
otherwise assume 80 columns and cut ids).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from operator import itemgetter
from typing import Any

import typer
from rich.console import Console
from rich.table import Column, Table

#: Width of a console that is not a terminal: wide enough that no row ever wraps.
_UNBOUNDED = 100_000


def stdout_console() -> Console:
    """A console on standard output; unbounded when it is not a terminal."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else _UNBOUNDED)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    whole: Collection[str] = ("id",),
    console: Console | None = None,
) -> None:
    """Print ``rows`` under ``headers``; columns named in ``whole`` never wrap nor shrink.

    Cells are printed as text, ``None`` as nothing.
    """
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    columns = []
    for position, header in enumerate(headers):
        if header in whole:
            widest = max((len(row[position]) for row in cells), default=len(header))
            columns.append(Column(header, no_wrap=True, min_width=max(widest, len(header))))
        else:
            columns.append(Column(header, overflow="fold"))
    table = Table(*columns)
    for row in cells:
        table.add_row(*row)
    (console or stdout_console()).print(table)


Record = Mapping[str, Any]


def column(key: str) -> Callable[[Record], object]:
    """A table column showing ``record[key]``."""
    return itemgetter(key)


def print_records(
    records: Sequence[Record],
    *,
    as_json: bool,
    empty: str,
    columns: Mapping[str, Callable[[Record], object]],
    whole: Collection[str] = ("id",),
) -> None:
    """``records`` as JSON (``--json``), else as a table of ``columns`` (header → cell), or
    the sentence ``empty`` when there are none."""
    if as_json:
        print_json(list(records))
    elif not records:
        stdout_console().print(empty, markup=False)
    else:
        cells = [[cell(record) for cell in columns.values()] for record in records]
        print_table(list(columns), cells, whole=whole)


def print_json(document: object) -> None:
    """``document`` as indented JSON (UTF-8 text kept as it is) on standard output."""
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def plural(count: int, noun: str) -> str:
    """``1 segment``, ``2 segments``: ``count`` and the English ``noun``, plural unless 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
