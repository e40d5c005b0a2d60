"""Quotas per caller, counted by the ``limits`` library, with ``X-RateLimit-*`` headers.

Why not slowapi's middleware: its application-wide limits cannot depend on who is calling,
and per-caller limits need a decorator and extra parameters on every route. The quota here is
one router dependency: an API key gets ``api_key_rate_limit`` (counted per key), an anonymous
client ``anonymous_rate_limit`` (per address), signed-in secretariat staff are not limited.
``limits`` does the counting (moving window) in memory or, with several API processes, in
Redis (``KUVEND_RATE_LIMIT_STORAGE``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request, Response
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kuvend.config import Settings
from kuvend.errors import ConfigError
from search_api.deps import CallerDep
from search_api.errors import ApiError
from search_api.signin import client_address


@dataclass(frozen=True)
class Quotas:
    """The limiter and the two quotas of one application."""

    limiter: MovingWindowRateLimiter
    api_key: RateLimitItem
    anonymous: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> Quotas:
        storage = storage_from_string(settings.rate_limit_storage)
        if not isinstance(storage, Storage):  # an async storage (async+redis://…)
            raise ConfigError(
                f"KUVEND_RATE_LIMIT_STORAGE={settings.rate_limit_storage}: use memory:// or redis://"
            )
        return cls(
            MovingWindowRateLimiter(storage),
            parse(settings.api_key_rate_limit),
            parse(settings.anonymous_rate_limit),
        )


def enforce_quota(request: Request, response: Response, caller: CallerDep) -> None:
    """Count this request against the caller's quota; 429 with Retry-After when used up."""
    quotas: Quotas = request.app.state.quotas
    if caller.kind == "user":
        return
    if caller.kind == "api_key":
        item, key = quotas.api_key, f"key:{caller.identity}"
    else:
        address = client_address(request, request.app.state.settings.trusted_proxies)
        item, key = quotas.anonymous, f"ip:{address}"
    allowed = quotas.limiter.hit(item, key)
    reset_at, remaining = quotas.limiter.get_window_stats(item, key)
    headers = {
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": str(int(reset_at)),
    }
    if not allowed:
        retry = max(1, int(reset_at - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"rate limit of {item} exceeded; retry in {retry} s",
            headers={**headers, "Retry-After": str(retry)},
        )
    response.headers.update(headers)
