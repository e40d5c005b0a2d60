"""Dependencies the routes declare: the database session, the index, and who is calling.

A caller is one of: anonymous; a journalist presenting ``X-API-Key``; a signed-in user
presenting ``Authorization: Bearer <token>``. Only an active user with the secretariat role
and an assembly is staff of that assembly. A bad key or token is a 401, never silently
anonymous, so that a client learns its credentials are wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from kuvend.addresses import request_base_url
from kuvend.config import Settings
from kuvend.search import SearchIndex
from kuvend.storage.db import WRITE_UNIT, get_engine
from kuvend.storage.tables import UserRow
from search_api import security
from search_api.accounts import find_api_key, get_active_user
from search_api.actions import SessionActions
from search_api.errors import ApiError

SECRETARIAT = "secretariat"
#: OpenAPI tag of the operations that need a signed-in secretariat user (all others are public).
SECRETARIAT_TAG = "secretariat"

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_base_url(request: Request, settings: SettingsDep) -> str:
    """Root of the links in an answer: ``KUVEND_PUBLIC_BASE_URL``, else the address the
    request came to (so ``kuvend serve --port 8123`` links to port 8123)."""
    return request_base_url(settings, str(request.base_url))


BaseUrlDep = Annotated[str, Depends(get_base_url)]


def get_db(settings: SettingsDep) -> Iterator[Session]:
    """A database session for one request; writes commit explicitly in the route."""
    factory = sessionmaker(bind=get_engine(settings.resolved_database_url), expire_on_commit=False)
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


def get_write_db(settings: SettingsDep) -> Iterator[Session]:
    """A database session for a request that writes through it and commits itself.

    On SQLite it takes the write lock at its first statement (``BEGIN IMMEDIATE``, waiting up to
    the busy timeout), so that its reads and its write are one transaction that never fails
    with "database is locked". Only for routes that do not call the orchestration, which opens
    its own unit of work and would wait on this one.
    """
    engine = get_engine(settings.resolved_database_url).execution_options(**{WRITE_UNIT: True})
    with sessionmaker(bind=engine, expire_on_commit=False)() as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_db)]


def get_index(request: Request) -> SearchIndex:
    """The search index the application was created with."""
    index: SearchIndex = request.app.state.index
    return index


IndexDep = Annotated[SearchIndex, Depends(get_index)]


def get_actions(request: Request) -> SessionActions:
    """The orchestration's actions; 503 when this API was started without them.

    Called in the route after the access check (not as a dependency), so that an outsider
    learns 401/403, not whether this deployment can publish.
    """
    actions: SessionActions | None = request.app.state.actions
    if actions is None:
        raise ApiError(
            503,
            "unavailable",
            "this API was started without the processing service; use kuvend serve",
        )
    return actions


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, as far as access rules care."""

    kind: Literal["anonymous", "api_key", "user"]
    identity: str | None = None
    """The API key's prefix or the user's id."""
    user: UserRow | None = None

    @property
    def staff(self) -> frozenset[str]:
        """Assemblies whose unpublished data this caller may see and change."""
        user = self.user
        if user is None or user.role != SECRETARIAT or not user.assembly_slug:
            return frozenset()
        return frozenset({user.assembly_slug})


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def get_caller(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Caller:
    """Identify the caller from a bearer token or an API key (or neither)."""
    if token:
        user_id = security.read_access_token(settings, token)
        user = get_active_user(session=session, user_id=user_id) if user_id else None
        if user is None:
            raise _unauthorized("invalid or expired token: sign in again")
        caller = Caller("user", user.id, user)
    elif api_key:
        row = find_api_key(session=session, plaintext=api_key)
        if row is None:
            raise _unauthorized("invalid or revoked API key")
        caller = Caller("api_key", row.prefix)
    else:
        caller = Caller("anonymous")
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_current_user(caller: CallerDep) -> UserRow:
    """The signed-in user; 401 for anyone else."""
    if caller.user is None:
        raise _unauthorized("sign in with a secretariat account")
    return caller.user


CurrentUser = Annotated[UserRow, Depends(get_current_user)]


def require_staff_of(caller: Caller, assembly: str) -> None:
    """401 when not signed in, 403 when not secretariat of ``assembly``."""
    if caller.user is None:
        raise _unauthorized("sign in with a secretariat account")
    if assembly not in caller.staff:
        raise ApiError(403, "forbidden", f"only the secretariat of {assembly} may do this")
