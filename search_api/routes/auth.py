"""Sign-in for secretariat staff: a password for a short-lived token."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from search_api import security
from search_api.accounts import authenticate
from search_api.deps import SECRETARIAT_TAG, CurrentUser, SessionDep, SettingsDep
from search_api.errors import ApiError
from search_api.schemas.auth import Token, UserPublic
from search_api.signin import SignInThrottle, client_address

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", summary="Sign in (OAuth2 password flow)")
def sign_in(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Exchange an email (``username``) and password for a bearer token that expires.

    After 5 failures on an account or from an address, each further failure doubles the wait
    before the next attempt (429 with ``Retry-After``, the password not even checked).
    """
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = client_address(request, settings.trusted_proxies)
    account = f"account:{form.username.strip().lower()}"
    keys = (account, f"address:{address}")
    wait = throttle.wait_s(keys)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"too many failed sign-ins; try again in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    user = authenticate(
        session=session,
        email=form.username,
        password=form.password,
        decoy_hash=security.decoy_hash(settings.password_hash_memory_kib),
    )
    if user is None:
        throttle.failed(keys)
        raise ApiError(
            401,
            "unauthorized",
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    throttle.succeeded(account)
    token = security.create_access_token(settings, user.id)
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.get("/me", summary="The signed-in user", tags=[SECRETARIAT_TAG])
def me(user: CurrentUser) -> UserPublic:
    """Who the token belongs to."""
    return UserPublic(id=user.id, email=user.email, assembly=user.assembly_slug, role=user.role)
