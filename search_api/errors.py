"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

Kuvend's own errors map to statuses by type (``QueryError`` 400, ``PermissionDeniedError`` 403,
``NotFoundError`` 404, ``ConflictError`` 409, ``ConfigError`` and ``TransientError`` 503;
``ModelError`` 503 too, its server paths kept to the log);
FastAPI's validation errors and Starlette's HTTP errors are rewritten into the same shape.
Anything else is a 500 whose body says nothing about the internals (the log has the traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kuvend.errors import (
    ConfigError,
    ConflictError,
    KuvendError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    TransientError,
)

log = logging.getLogger(__name__)

#: What a client is told of a missing model: which one and where are the operator's business.
MISSING_MODEL = (
    "a model this request needs is not prepared on the server; "
    "the operator's log says which (kuvend models check)"
)

#: Each error type's status, code, and the message a client gets in place of the error's own
#: (None: its own), which then goes to the server's log.
_STATUS: tuple[tuple[type[KuvendError], int, str, str | None], ...] = (
    (QueryError, 400, "bad_query", None),
    (PermissionDeniedError, 403, "forbidden", None),
    (NotFoundError, 404, "not_found", None),
    (ConflictError, 409, "conflict", None),
    (ConfigError, 503, "unavailable", None),
    (ModelError, 503, "unavailable", MISSING_MODEL),
    (TransientError, 503, "unavailable", None),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with its HTTP status, code and headers, raised by routes and dependencies."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON error body with its status."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _kuvend_error(request: Request, exc: Exception) -> JSONResponse:
    for kind, status, code, public in _STATUS:
        if isinstance(exc, kind):
            if public is not None:
                log.error("%s: %s", request.url.path, exc)
            return error_response(status, code, public or str(exc))
    log.error("unexpected Kuvend error on %s: %s", request.url.path, exc)
    return error_response(500, "internal", "internal error")


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"location": [str(part) for part in error.get("loc", ())], "message": error.get("msg")}
        for error in exc.errors()
    ]
    first = details[0] if details else {"location": [], "message": "invalid request"}
    where = ".".join(first["location"])
    return error_response(422, "invalid_request", f"{where}: {first['message']}", details=details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure into the one error body."""
    app.add_exception_handler(KuvendError, _kuvend_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
