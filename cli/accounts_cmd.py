"""``kuvend users add|list|disable`` and ``kuvend apikeys create|list|revoke``.

Secretariat accounts sign in to review and publish their assembly's sessions; journalists'
API keys raise their quota. A disabled account or a revoked key is refused from its next
request on (signed-in tokens are checked against the account on every request).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import or_, select

from cli import checks
from cli.app import app
from cli.assemblies import require_assembly
from cli.output import Record, column, print_records
from kuvend.config import get_settings
from kuvend.errors import KuvendError, NotFoundError
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.tables import ApiKeyRow, UserRow

users_app = typer.Typer(help="Secretariat accounts.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Journalists' API keys.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")

_MIN_PASSWORD = 12
_JSON = typer.Option("--json", help="Print as JSON.")


def _database_url() -> str:
    url = get_settings().resolved_database_url
    migrate(url)
    return url


_USER_COLUMNS: dict[str, Callable[[Record], object]] = {
    "id": column("id"),
    "email": column("email"),
    "assembly": column("assembly"),
    "role": column("role"),
    "status": lambda r: _active(r["active"]),
}

_KEY_COLUMNS: dict[str, Callable[[Record], object]] = {
    "id": column("id"),
    "owner": column("owner"),
    "starts with": column("starts_with"),
    "created": column("created_at"),
    "status": lambda r: _active(r["active"], "revoked"),
}


@users_app.command("add")
def users_add(
    email: Annotated[
        str,
        typer.Argument(help="The person's email (their sign-in name).", callback=checks.email),
    ],
    assembly: Annotated[
        str, typer.Option(help="Assembly slug the account works for.", callback=checks.slug)
    ],
    password: Annotated[
        str | None,
        typer.Option(
            envvar="KUVEND_NEW_USER_PASSWORD",
            show_envvar=False,
            help=f"At least {_MIN_PASSWORD} characters; asked for (hidden) when not given. "
            "Also read from KUVEND_NEW_USER_PASSWORD.",
        ),
    ] = None,
    new_assembly: Annotated[
        bool,
        typer.Option(
            "--new-assembly",
            help="ASSEMBLY is new: add it (it appears on the public site). Without this flag "
            "an assembly that does not exist is refused, so a typo adds nothing.",
        ),
    ] = False,
) -> None:
    """Add a secretariat account of ASSEMBLY (an existing one, or a new one with --new-assembly)."""
    if password is None:
        if not sys.stdin.isatty():  # getpass would warn, read nothing, and look interrupted
            raise KuvendError("no password given: pass --password or run in a terminal")
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < _MIN_PASSWORD:
        raise typer.BadParameter(
            f"use a password of at least {_MIN_PASSWORD} characters", param_hint="password"
        )
    from kuvend.storage.sessions import ensure_assembly
    from search_api import security
    from search_api.accounts import create_user

    settings = get_settings()
    url = _database_url()
    password_hash = security.hash_password(password, memory_kib=settings.password_hash_memory_kib)
    with session_scope(url) as db:
        if not new_assembly:
            require_assembly(db, assembly)
        ensure_assembly(session=db, slug=assembly)
        user = create_user(session=db, email=email, password_hash=password_hash, assembly=assembly)
    typer.echo(f"Added {user.email}: secretariat of {assembly} (id {user.id}).")


@users_app.command("list")
def users_list(as_json: Annotated[bool, _JSON] = False) -> None:
    """Every account: email, assembly, role, and whether it may sign in."""
    with session_scope(_database_url()) as db:
        rows = [
            {
                "id": row.id,
                "email": row.email,
                "assembly": row.assembly_slug,
                "role": row.role,
                "active": row.active,
            }
            for row in db.scalars(select(UserRow).order_by(UserRow.assembly_slug, UserRow.email))
        ]
    print_records(
        rows, as_json=as_json, empty="No accounts.", columns=_USER_COLUMNS, whole=("id", "email")
    )


@users_app.command("disable")
def users_disable(
    user: Annotated[str, typer.Argument(help="The account's email or id.")],
) -> None:
    """Stop an account from signing in; its signed-in sessions end at their next request."""
    with session_scope(_database_url()) as db:
        row = db.scalar(
            select(UserRow).where(or_(UserRow.email == user.strip().lower(), UserRow.id == user))
        )
        if row is None:
            raise NotFoundError(f"no account {user} (kuvend users list shows them)")
        row.active = False
        email = row.email
    typer.echo(f"Disabled {email}.")


@apikeys_app.command("create")
def apikeys_create(
    owner: Annotated[str, typer.Option(help="Who the key is for, e.g. a newsroom.")],
) -> None:
    """Create an API key and print it once (only its hash is kept)."""
    from search_api.accounts import create_api_key

    settings = get_settings()
    with session_scope(_database_url()) as db:
        row, plaintext = create_api_key(session=db, owner=owner)
        key_id = row.id
    typer.echo(plaintext)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"API key {key_id} for {owner}: send it as the X-API-Key header "
        f"({settings.api_key_rate_limit}). It is not shown again."
    )


@apikeys_app.command("list")
def apikeys_list(as_json: Annotated[bool, _JSON] = False) -> None:
    """Every API key: id, owner, the key's first characters, created, revoked (never the key)."""
    from search_api.security import api_key_start

    with session_scope(_database_url()) as db:
        rows = [
            {
                "id": row.id,
                "owner": row.owner,
                "starts_with": api_key_start(row.prefix),
                "created_at": row.created_at.isoformat(timespec="seconds"),
                "active": not row.revoked,
            }
            for row in db.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))
        ]
    print_records(
        rows,
        as_json=as_json,
        empty="No API keys.",
        columns=_KEY_COLUMNS,
        whole=("id", "starts with"),
    )


@apikeys_app.command("revoke")
def apikeys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id (kuvend apikeys list).")],
) -> None:
    """Revoke an API key: requests presenting it are refused from now on."""
    with session_scope(_database_url()) as db:
        row = db.get(ApiKeyRow, key)
        if row is None:
            raise NotFoundError(f"no API key {key} (kuvend apikeys list shows them)")
        row.revoked = True
        owner = row.owner
    typer.echo(f"Revoked API key {key} of {owner}.")


def _active(active: object, inactive: str = "disabled") -> str:
    return "active" if active else inactive
