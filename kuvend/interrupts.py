"""A stop asked for by a signal, kept until the work notices it.

The command line turns SIGTERM and SIGINT into ``KeyboardInterrupt``; an exception raised from a
signal handler is lost when the signal lands inside a finaliser or a weak-reference callback
("Exception ignored in ..."). The handler also records the stop here, and long work checks it at
each of its steps, so a lost interrupt still stops the work at the next step.
"""

from __future__ import annotations

_stop_requested: str | None = None


def request_stop(reason: str) -> None:
    """Remember that the process was asked to stop (``reason``: the signal's name)."""
    global _stop_requested
    _stop_requested = reason


def raise_if_stop_requested() -> None:
    """Raise ``KeyboardInterrupt`` if a stop was requested and not yet acted on."""
    global _stop_requested
    if _stop_requested is not None:
        reason, _stop_requested = _stop_requested, None
        raise KeyboardInterrupt(reason)
