"""Sign-in for secretariat staff: a password for a short-lived token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from search_api import crud, security
from search_api.deps import SECRETARIAT_TAG, CurrentUser, SessionDep, SettingsDep
from search_api.errors import ApiError
from search_api.schemas.auth import Token, UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", summary="Sign in (OAuth2 password flow)")
def sign_in(
    settings: SettingsDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Exchange an email (``username``) and password for a bearer token that expires."""
    user = crud.authenticate(
        session=session,
        email=form.username,
        password=form.password,
        decoy_hash=security.decoy_hash(settings.password_hash_memory_kib),
    )
    if user is None:
        raise ApiError(
            401,
            "unauthorized",
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = security.create_access_token(settings, user.id)
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.get("/me", summary="The signed-in user", tags=[SECRETARIAT_TAG])
def me(user: CurrentUser) -> UserPublic:
    """Who the token belongs to."""
    return UserPublic(id=user.id, email=user.email, assembly=user.assembly_slug, role=user.role)
