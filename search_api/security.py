"""Passwords, login tokens and API keys.

* Passwords: argon2id through argon2-cffi (its defaults follow RFC 9106's recommendation).
* Login tokens: JWT (HS256, pyjwt) with ``sub`` = user id and an expiry of
  ``access_token_minutes``; the key is ``KUVEND_SECRET_KEY`` (required in production), else
  one generated once into the data folder (``search_api.signing_key``), so that a restart
  signs nobody out.
* API keys: ``kv_<prefix>_<secret>``; only the prefix (to find the row) and the SHA-256 of the
  whole key are stored. A key is 190 random bits, so a fast hash is enough: unlike passwords it
  cannot be guessed from a dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kuvend.config import Settings
from search_api.signing_key import stored_signing_key

_ALGORITHM = "HS256"


@lru_cache(maxsize=4)
def _hasher(memory_kib: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib)


def hash_password(password: str, *, memory_kib: int) -> str:
    """An argon2id hash of ``password`` (salted; its parameters are kept in the hash)."""
    return _hasher(memory_kib).hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash`` (whatever parameters made it)."""
    try:
        return _hasher(65536).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def decoy_hash(memory_kib: int) -> str:
    """A hash to verify against when the account does not exist, so that signing in takes the
    same time whether or not an email is registered."""
    return hash_password(secrets.token_urlsafe(16), memory_kib=memory_kib)


def _signing_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key.get_secret_value()
    return stored_signing_key(settings.data_dir)


def create_access_token(settings: Settings, user_id: str, *, now: datetime | None = None) -> str:
    """A signed token naming ``user_id`` that expires after ``access_token_minutes``."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": user_id,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, _signing_key(settings), algorithm=_ALGORITHM)


def read_access_token(settings: Settings, token: str) -> str | None:
    """The user id in a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(
            token, _signing_key(settings), algorithms=[_ALGORITHM], options={"require": ["exp"]}
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


def csrf_token(settings: Settings, bound_to: str) -> str:
    """The anti-forgery token of a browser session: an HMAC of its login token, so that it
    needs no storage and dies with the session (the "signed double-submit" pattern)."""
    key = _signing_key(settings).encode()
    return hmac.new(key, f"csrf:{bound_to}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly made key: ``plaintext`` is shown once; only ``prefix`` and ``digest`` are kept."""

    plaintext: str
    prefix: str
    digest: str


def new_api_key() -> NewApiKey:
    """A new random API key."""
    prefix = secrets.token_hex(4)
    plaintext = f"{api_key_start(prefix)}{secrets.token_urlsafe(24)}"
    return NewApiKey(plaintext, prefix, api_key_digest(plaintext))


def api_key_start(prefix: str) -> str:
    """What every key with this lookup prefix begins with, safe to show (``kv_<prefix>_``)."""
    return f"kv_{prefix}_"


def api_key_prefix(plaintext: str) -> str | None:
    """The lookup prefix of a key, or None when it is not shaped like one of ours."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != "kv" or len(parts[1]) != 8:
        return None
    return parts[1]


def api_key_digest(plaintext: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_key_matches(plaintext: str, digest: str) -> bool:
    """Constant-time comparison of a presented key with a stored digest."""
    return hmac.compare_digest(api_key_digest(plaintext), digest)
