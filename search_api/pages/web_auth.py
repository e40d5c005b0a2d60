"""Who is using the secretariat's pages: a signed-in clerk, by an HttpOnly cookie.

The cookie holds the same signed, expiring token the API hands out (``security``), marked
HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it) and Secure when
the request came over HTTPS. Every request that changes something also carries the session's
CSRF token (a form field or the ``X-CSRF-Token`` header), an HMAC of the login token; the
sign-in form, before there is a session, pairs a random cookie with the same value in the form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.orm import Session

from kuvend.config import Settings
from search_api import security
from search_api.accounts import get_active_user
from search_api.deps import SECRETARIAT
from search_api.errors import ApiError

SESSION_COOKIE = "kuvend_secretariat"
SIGNIN_COOKIE = "kuvend_signin"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/secretariat"


@dataclass(frozen=True, slots=True)
class Clerk:
    """A signed-in secretariat user of one assembly."""

    user_id: str
    email: str
    assembly: str
    csrf: str


def current_clerk(request: Request, settings: Settings, session: Session) -> Clerk | None:
    """The clerk whose session cookie this request carries, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    user_id = security.read_access_token(settings, token) if token else None
    user = get_active_user(session=session, user_id=user_id) if user_id else None
    if token is None or user is None or user.role != SECRETARIAT or not user.assembly_slug:
        return None
    return Clerk(user.id, user.email, user.assembly_slug, security.csrf_token(settings, token))


class SignInFirstError(Exception):
    """A page was asked for without a signed-in clerk: answered with the sign-in page."""


def page_clerk(request: Request, settings: Settings, session: Session) -> Clerk:
    """The signed-in clerk of a page's request; ``SignInFirstError`` when there is none."""
    clerk = current_clerk(request, settings, session)
    if clerk is None:
        raise SignInFirstError
    return clerk


def require_csrf(clerk: Clerk, presented: str | None) -> None:
    """403 unless ``presented`` is the clerk's CSRF token."""
    if not presented or not hmac.compare_digest(presented, clerk.csrf):
        raise ApiError(403, "forbidden", "the form has expired: reload the page and try again")


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def start_session(response: Response, request: Request, settings: Settings, user_id: str) -> None:
    """Sign ``user_id`` in on this browser."""
    token = security.create_access_token(settings, user_id)
    _cookie(response, request, SESSION_COOKIE, token, settings.access_token_minutes * 60)
    response.delete_cookie(SIGNIN_COOKIE, path=COOKIE_PATH)


def end_session(response: Response) -> None:
    """Sign this browser out."""
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def signin_token(request: Request) -> str:
    """The sign-in form's anti-forgery value: this browser's, or a new one."""
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)


def keep_signin_token(request: Request, response: Response, value: str) -> None:
    """Set the sign-in form's value as this browser's cookie too (for an hour)."""
    _cookie(response, request, SIGNIN_COOKIE, value, 3600)


def signin_token_valid(request: Request, presented: str) -> bool:
    """Whether the sign-in form came with the value of this browser's sign-in cookie."""
    expected = request.cookies.get(SIGNIN_COOKIE)
    return bool(expected) and hmac.compare_digest(presented, expected or "")
