"""The key that signs login tokens when ``KUVEND_SECRET_KEY`` is not set (the embedded default).

A key made afresh by each process would sign every clerk out at each restart of ``kuvend serve``
and would differ between two processes sharing the data folder. So it is generated once, kept in
``data_dir/secret.key`` readable by its owner only (mode 0600), and read from there afterwards.
In production ``KUVEND_SECRET_KEY`` is required instead (``kuvend.config``).
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

KEY_FILE = "secret.key"
_OWNER_ONLY = 0o600


@lru_cache(maxsize=8)
def stored_signing_key(data_dir: Path) -> str:
    """The key kept in ``data_dir/secret.key``, generated there on first use.

    Two processes starting at once agree on one key: the file appears complete or not at all
    (written beside it, then hard-linked into place, which fails if it already exists).
    Raises ``OSError`` when the data folder cannot be written or the file read.
    """
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
            os.link(draft, path)
            log.info("generated the login-token key in %s (KUVEND_SECRET_KEY is not set)", path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            draft.unlink(missing_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("%s was readable by others: made it readable by its owner only", path)
        path.chmod(_OWNER_ONLY)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise OSError(f"{path} holds no usable key: delete it and start Kuvend again")
    return key
