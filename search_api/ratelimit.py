"""Quotas per caller, counted by the ``limits`` library, with ``X-RateLimit-*`` headers.

Why not slowapi's middleware: its application-wide limits cannot depend on who is calling,
and per-caller limits need a decorator and extra parameters on every route. The quota here is
one router dependency: an API key gets ``api_key_rate_limit`` (counted per key), an anonymous
client ``anonymous_rate_limit`` (per address), signed-in secretariat staff are not limited.
The public pages the server draws (``/search``) have their own dependency and quota,
``page_rate_limit`` per address, counted apart from the API's. ``/api/v1/health`` has none, so
that a monitor may poll it.
``limits`` does the counting (moving window) in memory or, with several API processes, in
Redis (``KUVEND_RATE_LIMIT_STORAGE``). A counted request's ``X-RateLimit-*`` headers are put on
its response by the ``RateLimitHeaders`` middleware, whatever the route returns (a file, a
page, an event stream: FastAPI gives a dependency's headers only to the responses it builds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kuvend.config import Settings
from kuvend.errors import ConfigError
from search_api.deps import CallerDep
from search_api.errors import ApiError
from search_api.signin import client_address

#: Where a counted request keeps its quota headers for ``RateLimitHeaders`` (request state).
_HEADERS = "rate_limit_headers"


@dataclass(frozen=True)
class Quotas:
    """The limiter and the quotas of one application: the API's two and the pages'."""

    limiter: MovingWindowRateLimiter
    api_key: RateLimitItem
    anonymous: RateLimitItem
    page: RateLimitItem

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
            parse(settings.page_rate_limit),
        )


def enforce_quota(request: Request, caller: CallerDep) -> None:
    """Count this API request against the caller's quota; 429 with Retry-After when used up."""
    quotas: Quotas = request.app.state.quotas
    if caller.kind == "user":
        return
    if caller.kind == "api_key":
        _count(request, quotas.api_key, f"key:{caller.identity}")
    else:
        _count(request, quotas.anonymous, f"ip:{_address(request)}")


def enforce_page_quota(request: Request) -> None:
    """Count this page request against its address's page quota (not the API's); 429 with
    Retry-After when used up."""
    quotas: Quotas = request.app.state.quotas
    _count(request, quotas.page, f"page:{_address(request)}")


def _address(request: Request) -> str:
    return client_address(request, request.app.state.settings.trusted_proxies)


def _count(request: Request, item: RateLimitItem, key: str) -> None:
    limiter: MovingWindowRateLimiter = request.app.state.quotas.limiter
    allowed = limiter.hit(item, key)
    reset_at, remaining = limiter.get_window_stats(item, key)
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
    setattr(request.state, _HEADERS, headers)


class RateLimitHeaders:
    """ASGI middleware: a counted request's ``X-RateLimit-*`` headers on its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            counted = scope.get("state", {}).get(_HEADERS)
            if message["type"] == "http.response.start" and counted:
                headers = MutableHeaders(scope=message)
                for name, value in counted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_quota)
