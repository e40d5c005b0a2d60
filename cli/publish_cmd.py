"""``kuvend publish``: freeze a reviewed draft as a public version and rebuild the site."""

from typing import Annotated

import typer
from rich.console import Console

from cli.app import app
from kuvend.config import get_settings


@app.command("publish")
def publish_session(
    session_id: Annotated[str, typer.Argument(help="Id of the session to publish.")],
) -> None:
    """Publish SESSION's current draft as a new, immutable version of its minutes.

    Earlier versions stay reachable; the assembly's static site is rebuilt from published
    versions only, and registered webhooks are notified.
    """
    from workers import steps

    settings = get_settings()
    steps.prepare_database(settings)
    publication = steps.publish_step(settings=settings, session_id=session_id)
    Console(soft_wrap=True).print(
        f"Published version {publication.version} of {session_id} "
        f"(sha256 {publication.sha256[:12]}…): {publication.page_url}"
    )
