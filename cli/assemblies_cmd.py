"""``kuvend assemblies list|add|rename``: the assemblies Kuvend serves and their names.

An assembly is known by its slug (``prishtine``, in every URL and command); its name is what
the public site, the feed and the API show: ``--name`` in Albanian and English, ``--name-sr``
on Serbian pages (``--name`` when there is none). The site is static: a new name appears when
the pages are written again.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer

from cli import checks
from cli.app import app
from cli.output import Record, column, print_records
from kuvend.config import get_settings
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.tables import AssemblyRow

assemblies_app = typer.Typer(help="Assemblies and their names.", no_args_is_help=True)
app.add_typer(assemblies_app, name="assemblies")


class Script(StrEnum):
    """The scripts Serbian minutes are written in (``kuvend.types.SerbianScript``)."""

    latin = "latin"
    cyrillic = "cyrillic"


#: What a new name takes to reach the site, said after every change.
_ON_THE_SITE = (
    "The public site shows it once its pages are written again: kuvend publish --rebuild-site "
    "now (every page), or the next publish of one of its sessions (its own pages and the "
    "front door)."
)

_COLUMNS: dict[str, Callable[[Record], object]] = {
    "slug": column("slug"),
    "name": column("name"),
    "Serbian name": column("name_sr"),
    "script": column("serbian_script"),
    "languages": lambda r: ",".join(r["languages"]),
}

_NAME_HELP = "The assembly's name (Albanian and English pages), e.g. 'Kuvendi i Komunës'."
_NAME_SR_HELP = "Its name on Serbian pages, e.g. 'Skupština opštine'; without it, --name."


def _database_url() -> str:
    url = get_settings().resolved_database_url
    migrate(url)
    return url


def _record(row: AssemblyRow) -> Record:
    return {
        "slug": row.slug,
        "name": row.name,
        "name_sr": row.name_sr,
        "serbian_script": row.serbian_script,
        "languages": list(row.languages),
    }


@assemblies_app.command("list")
def assemblies_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every assembly: slug, name, Serbian name, Serbian script, languages."""
    from kuvend.storage.sessions import list_assemblies

    with session_scope(_database_url()) as db:
        records = [_record(row) for row in list_assemblies(session=db)]
    print_records(
        records, as_json=as_json, empty="No assemblies.", columns=_COLUMNS, whole=("slug",)
    )


@assemblies_app.command("add")
def assemblies_add(
    slug: Annotated[
        str,
        typer.Argument(
            help="Short name in URLs and commands, e.g. prishtine.", callback=checks.slug
        ),
    ],
    name: Annotated[str, typer.Option(help=_NAME_HELP, callback=checks.name)],
    name_sr: Annotated[
        str | None, typer.Option("--name-sr", help=_NAME_SR_HELP, callback=checks.name)
    ] = None,
    serbian_script: Annotated[
        Script,
        typer.Option(
            "--serbian-script",
            help="The script its Serbian minutes are written in: latin or cyrillic.",
        ),
    ] = Script.latin,
) -> None:
    """Add the assembly SLUG named NAME (it appears on the public site)."""
    from kuvend.storage.sessions import add_assembly

    with session_scope(_database_url()) as db:
        row = add_assembly(
            session=db,
            slug=slug,
            name=name,
            name_sr=name_sr,
            serbian_script=serbian_script.value,
        )
        record = _record(row)
    typer.echo(f"Added {record['slug']}: {_names(record)}, Serbian in {serbian_script.value}.")
    typer.echo(_ON_THE_SITE)


@assemblies_app.command("rename")
def assemblies_rename(
    slug: Annotated[str, typer.Argument(help="The assembly (kuvend assemblies list).")],
    name: Annotated[
        str | None, typer.Option(help=_NAME_HELP, callback=checks.name, show_default=False)
    ] = None,
    name_sr: Annotated[
        str | None, typer.Option("--name-sr", help=_NAME_SR_HELP, callback=checks.name)
    ] = None,
) -> None:
    """Give the assembly SLUG a new name, Serbian name, or both (the slug stays)."""
    from kuvend.storage.sessions import rename_assembly

    if name is None and name_sr is None:
        raise typer.BadParameter("give --name, --name-sr or both", param_hint="--name")
    with session_scope(_database_url()) as db:
        record = _record(rename_assembly(session=db, slug=slug, name=name, name_sr=name_sr))
    typer.echo(f"Renamed {record['slug']}: {_names(record)}.")
    typer.echo(_ON_THE_SITE)


def _names(record: Record) -> str:
    serbian = f" (Serbian: {record['name_sr']})" if record["name_sr"] else ""
    return f"{record['name']}{serbian}"
