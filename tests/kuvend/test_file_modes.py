"""Who may read what Kuvend writes: the record is the operator's, the minutes the public's.

A web server (another user) must be able to serve the site and ``kuvend process --out``
folders; no other local user may read the database (password and API-key hashes) or a backup.
"""

from __future__ import annotations

import stat
from pathlib import Path

from kuvend.config import Settings
from kuvend.storage import backup
from kuvend.storage.db import migrate


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_backup_and_its_restored_copy_are_owner_only(
    settings: Settings, tmp_path: Path
) -> None:
    migrate(settings.resolved_database_url)
    assert _mode(settings.data_dir / "kuvend.db") == 0o600
    destination = tmp_path / "backup"
    backup.back_up(settings, destination)
    assert _mode(destination) == 0o700
    assert _mode(destination / "database.sqlite3") == 0o600
    restored = settings.model_copy(update={"data_dir": tmp_path / "restored"})
    backup.restore(restored, destination)
    assert _mode(restored.data_dir / "kuvend.db") == 0o600


def test_an_existing_database_readable_by_others_is_made_owner_only(settings: Settings) -> None:
    database = settings.data_dir / "kuvend.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    migrate(settings.resolved_database_url)
    assert _mode(database) == 0o600
