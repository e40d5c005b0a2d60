"""Secretariat accounts and journalists' API keys: every query about them, for the API and the
CLI. Functions take keyword-only arguments; the caller commits.

Passwords are checked with ``security``'s Argon2 hashing, and an unknown email costs as much
time as a known one (a decoy hash), so that sign-in cannot tell which accounts exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuvend.errors import ConflictError
from kuvend.storage.tables import ApiKeyRow, UserRow
from search_api import security
from search_api.crud import get_assembly


def create_user(
    *,
    session: Session,
    email: str,
    password_hash: str,
    assembly: str,
    role: str = "secretariat",
) -> UserRow:
    """A secretariat account of ``assembly``; ``ConflictError`` when the email is taken."""
    get_assembly(session=session, slug=assembly)
    row = UserRow(
        email=email.strip().lower(),
        password_hash=password_hash,
        assembly_slug=assembly,
        role=role,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"a user with email {email} already exists") from None
    return row


def authenticate(*, session: Session, email: str, password: str, decoy_hash: str) -> UserRow | None:
    """The active user with this email and password, else None.

    For an unknown email the password is checked against ``decoy_hash``, so that the answer
    takes as long as for a real account.
    """
    row = session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    if row is None or not row.active:
        security.verify_password(password, decoy_hash)
        return None
    return row if security.verify_password(password, row.password_hash) else None


def get_active_user(*, session: Session, user_id: str) -> UserRow | None:
    """The active user with this id, else None."""
    row = session.get(UserRow, user_id)
    return row if row is not None and row.active else None


def create_api_key(*, session: Session, owner: str) -> tuple[ApiKeyRow, str]:
    """A new API key for ``owner``: the row and the plaintext key (shown once)."""
    key = security.new_api_key()
    row = ApiKeyRow(owner=owner, prefix=key.prefix, key_hash=key.digest)
    session.add(row)
    session.flush()
    return row, key.plaintext


def find_api_key(*, session: Session, plaintext: str) -> ApiKeyRow | None:
    """The unrevoked key row matching a presented key, else None."""
    prefix = security.api_key_prefix(plaintext)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    if row is None or row.revoked or not security.api_key_matches(plaintext, row.key_hash):
        return None
    return row
