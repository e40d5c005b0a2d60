"""``kuvend publish``: freeze a reviewed draft as a public version and rebuild the site."""

from typing import Annotated

import typer
from rich.console import Console

from cli.app import app
from cli.output import plural
from kuvend.config import get_settings


@app.command("publish")
def publish_session(
    session_id: Annotated[
        str | None, typer.Argument(help="Id of the session to publish.", show_default=False)
    ] = None,
    rebuild_site: Annotated[
        bool,
        typer.Option(
            "--rebuild-site",
            help="Rebuild every page of the site, not only this session's (after an upgrade).",
        ),
    ] = False,
) -> None:
    """Publish SESSION's current draft as a new, immutable version of its minutes.

    Earlier versions stay reachable; the session's pages, its assembly's indexes, feed,
    calendar and search index and the site's front door are rebuilt from published versions
    only (every other session's folder is left as it is), and registered webhooks are
    notified. With --rebuild-site the whole site is rebuilt; without SESSION nothing is
    published.
    """
    from workers import plan, steps

    if session_id is None and not rebuild_site:
        raise typer.BadParameter("give a SESSION to publish, or --rebuild-site")
    settings = get_settings()
    steps.prepare_database(settings)
    console = Console(soft_wrap=True)
    if session_id is None:
        site = steps.rebuild_site_step(settings=settings)
        console.print(f"Rebuilt the public site in {site.out_dir} ({len(site.pages)} pages)")
        return
    publication = plan.PUBLISH.step(
        settings=settings, session_id=session_id, rebuild_all=rebuild_site
    )
    console.print(
        f"Published version {publication.version} of {session_id} "
        f"(sha256 {publication.sha256[:12]}…): {publication.page_url}"
    )
    unfilled = publication.unfilled
    if unfilled.segments:
        # Published all the same: the page shows each as a gap, the reviewer may fill it later.
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"kuvend: warning: {unfilled.seconds:.1f} s of flagged speech in "
            f"{plural(unfilled.segments, 'segment')} published unfilled (gaps on the page; "
            "fill them in review and publish again)"
        )
