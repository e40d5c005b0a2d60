"""``kuvend backup DEST`` and ``kuvend restore SRC``: the whole record in one folder and back."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.app import app
from cli.progress import StageBars
from kuvend.config import get_settings


@app.command("backup")
def back_up(
    destination: Annotated[
        Path, typer.Argument(help="Folder to write (created; if it exists it must be empty).")
    ],
) -> None:
    """Back up the whole record into DESTINATION: the database, original media, the published
    site with every version's files, the sessions' working files, and a manifest with every
    file's SHA-256. The search index is rebuilt on restore, so it is not copied."""
    from kuvend.storage.backup import back_up as write_backup

    with StageBars() as bars:
        made = write_backup(get_settings(), destination, hook=bars.hook)
    Console(soft_wrap=True, highlight=False).print(
        f"Backed up {made.files} files ({made.bytes / 1e6:.1f} MB) into {made.folder}"
    )


@app.command("restore")
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by kuvend backup.")],
) -> None:
    """Restore the backup in SOURCE into an empty data folder (KUVEND_DATA_DIR) and empty
    database, checking every file against the manifest first, then rebuild the search index.
    A damaged backup or a folder already in use is refused and nothing is written."""
    from workers.backup import restore_record

    settings = get_settings()
    with StageBars() as bars:
        restored = restore_record(settings, source, hook=bars.hook)
    Console(soft_wrap=True, highlight=False).print(
        f"Restored {restored.copied.files} files into {settings.data_dir}; indexed "
        f"{restored.indexed.segments} segments of {restored.indexed.published} published "
        f"session(s) and {restored.indexed.drafts} draft(s)."
    )
