"""Shapes every route shares: the error body and the documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _to_milliseconds(seconds: float) -> float:
    return round(seconds, 3)


#: A time in an answer: seconds from the start of the session, rounded to milliseconds (no
#: ``29.631999999999998``). ``minutes.json`` names these ``start`` and ``end``.
SessionTime = Annotated[float, AfterValidator(_to_milliseconds)]


class InputModel(BaseModel):
    """A request body: a field the API does not know is refused (422), never silently ignored,
    so that a client learns that ``{"name": …}`` did not do what it meant."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. bad_query, not_found.")
    message: str = Field(description="One line for a person.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid requests: which field and why."
    )


class ErrorBody(BaseModel):
    """Every error the API returns has this body, whatever its status."""

    error: ErrorDetail


def _described(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: Errors any route may answer (declared so that the OpenAPI document tells clients).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _described("Malformed query or cursor"),
    401: _described("Missing or invalid credentials"),
    422: _described("Invalid parameters"),
    429: _described("Rate limit exceeded (see the X-RateLimit-* headers)"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _described("Not found or not visible to you")}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: _described("Not allowed for your account")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _described("Contradicts the current state")}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: _described("This deployment does not provide the operation")
}
