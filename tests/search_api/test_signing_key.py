"""Without ``KUVEND_SECRET_KEY`` a restart of ``kuvend serve`` signs nobody out."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr

from kuvend.config import Settings
from search_api import security
from search_api.signing_key import KEY_FILE, stored_signing_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_key_readable_by_others_is_made_private(tmp_path: Path) -> None:
    first = stored_signing_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    stored_signing_key.cache_clear()
    assert stored_signing_key(tmp_path) == first
    assert _mode(tmp_path / KEY_FILE) == 0o600


def test_a_configured_key_is_used_and_nothing_is_written(settings: Settings) -> None:
    configured = settings.model_copy(update={"secret_key": SecretStr("k" * 40)})
    token = security.create_access_token(configured, "u1")
    assert security.read_access_token(configured, token) == "u1"
    assert not (settings.data_dir / KEY_FILE).exists()
    assert security.read_access_token(settings, token) is None  # the stored key differs
