"""What every ``kuvend`` command does first: recover sessions a stopped process left unfinished."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kuvend.config import get_settings
from kuvend.errors import KuvendError
from kuvend.storage.db import migrate
from kuvend.storage.recovery import recover_abandoned

log = logging.getLogger(__name__)


def recover_at_start() -> None:
    """Mark failed the sessions whose process died (see ``kuvend.storage.recovery``).

    Does nothing where no database exists yet; an unreachable database is left to the command
    itself to report.
    """
    settings = get_settings()
    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return
    try:
        migrate(url)
        recovered = recover_abandoned(settings)
    except (KuvendError, SQLAlchemyError) as error:
        log.debug("no recovery at start: %s", error)
        return
    if recovered:
        sys.stderr.write(
            f"kuvend: {len(recovered)} session(s) left unfinished by a stopped process were "
            f"marked failed: {', '.join(recovered)}\n"
        )
