"""A stop asked for by a signal, kept until the work notices it.

The command line turns SIGTERM and SIGINT into ``KeyboardInterrupt``; an exception raised from a
signal handler is lost when the signal lands inside a finaliser or a weak-reference callback
("Exception ignored in ..."). The handler also records the stop here, and long work checks it at
each of its steps, so a lost interrupt still stops the work at the next step.

Two edges of a command's life are covered here too. During start-up, before the command line
has loaded, a stop is only remembered (``remember_stops``) and acted on when it has. Once the
work is done and kept, a stop changes nothing (``ignore_stops``): the command finishes and
says so, instead of reporting an interruption of work that is complete.
"""

from __future__ import annotations

import signal
from types import FrameType

#: The signals that ask a command to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_stop_requested: str | None = None


def request_stop(reason: str) -> None:
    """Remember that the process was asked to stop (``reason``: the signal's name)."""
    global _stop_requested
    _stop_requested = reason


def stop_requested() -> bool:
    """Whether a stop was asked for and not yet acted on (nothing is cleared)."""
    return _stop_requested is not None


def raise_if_stop_requested() -> None:
    """Raise ``KeyboardInterrupt`` if a stop was requested and not yet acted on."""
    global _stop_requested
    if _stop_requested is not None:
        reason, _stop_requested = _stop_requested, None
        raise KeyboardInterrupt(reason)


def _remember(signum: int, _frame: FrameType | None) -> None:
    request_stop(signal.Signals(signum).name)


def remember_stops() -> None:
    """Until a real handler is installed, SIGINT and SIGTERM are kept for later, not raised.

    Also where SIGINT was ignored at start (a program started in the background by a shell
    script inherits it so).
    """
    for stop in STOP_SIGNALS:
        signal.signal(stop, _remember)


def ignore_stops() -> None:
    """From now on this process ignores SIGINT and SIGTERM (the work is done and kept)."""
    global _stop_requested
    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    _stop_requested = None
