"""Sign-in throttling per account and per client address, and who the client address is.

Guessing passwords is slowed on two keys at once, the account (the email tried) and the
address, so that neither many addresses against one account nor one address against many
accounts gets far. Each key has :data:`FREE_FAILURES` failures for free; every further failure
doubles the wait before the next attempt on that key (1 s, 2 s, 4 s … up to
:data:`MAX_WAIT_S`), and while a key waits its attempts are refused without checking the
password (a 429 with ``Retry-After``), so the right password does not work either. A success
clears the account's count. Counts are kept in this process's memory (one API process; with
several, each counts its own).

The client address is the connection's, never a header's, unless the connection comes from a
proxy listed in ``KUVEND_TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read from the right,
skipping trusted proxies, and the first other address is the client's.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import Request

#: Failures on one key before waits begin.
FREE_FAILURES = 5
#: The first wait, seconds; it doubles with each further failure.
FIRST_WAIT_S = 1.0
#: The longest wait, seconds.
MAX_WAIT_S = 900.0
#: A key with no failure for this long is forgotten, seconds.
FORGET_AFTER_S = 3600.0
_MAX_KEYS = 100_000


@dataclass
class _Failures:
    count: int = 0
    wait_until: float = 0.0
    last: float = 0.0


class SignInThrottle:
    """Failure counts per key with exponential back-off; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait_s(self, keys: Sequence[str]) -> float:
        """Seconds before any of ``keys`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            return max(
                (self._keys[k].wait_until - now for k in keys if k in self._keys), default=0.0
            )

    def failed(self, keys: Sequence[str]) -> None:
        """Count a failed attempt on each key."""
        now = self._clock()
        with self._lock:
            if len(self._keys) > _MAX_KEYS:
                self._forget(now)
            for key in keys:
                record = self._keys.setdefault(key, _Failures())
                record.count += 1
                record.last = now
                beyond = record.count - FREE_FAILURES
                if beyond > 0:
                    record.wait_until = now + min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (beyond - 1))

    def succeeded(self, key: str) -> None:
        """Clear ``key`` (the account that just signed in)."""
        with self._lock:
            self._keys.pop(key, None)

    def _forget(self, now: float) -> None:
        self._keys = {k: r for k, r in self._keys.items() if now - r.last < FORGET_AFTER_S}


def _in(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_address(request: Request, trusted_proxies: Sequence[str]) -> str:
    """The client's address: the connection's, or ``X-Forwarded-For``'s behind a trusted proxy."""
    peer = request.client.host if request.client else "-"
    if not trusted_proxies or not _in(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _in(hop, trusted_proxies):
            return hop
    return peer
