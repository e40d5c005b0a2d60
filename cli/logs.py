"""Where the stages' log records go on the terminal: errors always, the rest on request.

A command's own output says what the operator needs (a summary, one line per problem); the
stages' warnings (``decoding 0.7–4.0 s again: repetition loop``) are for whoever investigates,
so they are shown with ``-v`` (``-vv``: debugging detail too). ``kuvend serve`` shows
warnings anyway: a server's log is where they are read. ``kuvend worker`` leaves its log to
Celery, at the worker's ``--loglevel``.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _StandardError(logging.Handler):
    """Writes to ``sys.stderr`` as it is when a record comes (not as it was at start)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _not_the_stop(record: logging.LogRecord) -> bool:
    # A signal that lands inside a library's cleanup (SQLAlchemy resetting a pooled connection
    # as it is collected) is logged there with a traceback before it propagates. The command
    # reports the stop itself, once ("kuvend: interrupted"); the library's echo is noise then.
    # Shown with -vv, for whoever investigates.
    caught = record.exc_info[1] if record.exc_info else None
    return not isinstance(caught, KeyboardInterrupt) or _handler.level <= logging.DEBUG


_handler = _StandardError(logging.ERROR)
_handler.setFormatter(logging.Formatter(_FORMAT))
_handler.addFilter(_not_the_stop)


def configure() -> None:
    """Send log records of level ERROR and above to standard error (the default)."""
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    _handler.setLevel(logging.ERROR)


def leave_to_the_command() -> None:
    """Remove this handler: the command configures logging itself (Celery's worker)."""
    logging.getLogger().removeHandler(_handler)


def show_at_least(level: int) -> None:
    """Show records of ``level`` and above too (never fewer than already shown)."""
    if level < _handler.level:
        _handler.setLevel(level)
    root = logging.getLogger()
    if level < root.getEffectiveLevel():
        root.setLevel(level)


def _verbosity(count: int) -> int:
    if count:
        show_at_least(logging.INFO if count == 1 else logging.DEBUG)
    return count


Verbose = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        show_default=False,
        callback=_verbosity,
        help="Show the stages' log: warnings and progress (-vv: debugging detail too).",
    ),
]
