"""``kuvend process``: run the whole pipeline on one file, in this process."""

from pathlib import Path
from typing import Annotated

import typer

from kuvend.cli.app import app


@app.command()
def process(
    media: Annotated[Path, typer.Argument(help="Audio or video file of the session.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the minutes into.")] = Path(
        "out"
    ),
    assembly: Annotated[str, typer.Option(help="Assembly slug, e.g. prishtine.")] = "demo",
    title: Annotated[str | None, typer.Option(help="Session title.")] = None,
    languages: Annotated[str, typer.Option(help="Languages spoken, comma-separated.")] = "sq,sr",
) -> None:
    """Transcribe, diarize and publish MEDIA as minutes in OUT (JSON, SRT, VTT, TXT, page)."""
    raise typer.Exit(1)
