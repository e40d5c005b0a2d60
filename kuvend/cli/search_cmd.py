"""``kuvend search``: the operator's local view of the index, drafts included (and marked)."""

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kuvend.cli.app import app
from kuvend.config import get_settings
from kuvend.search import ALL_ASSEMBLIES, SearchHit, SearchQuery, parse_query
from search_api.index import open_index
from search_api.index.snippets import highlight


def clock(seconds: float) -> str:
    """``3725.4`` → ``1:02:05``: a session time as people read it."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", -excluded, prefix*.')],
    assembly: Annotated[str | None, typer.Option(help="Only this assembly (slug).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many hits to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Search everything indexed, drafts included. Accents are optional: e finds ë, c finds č."""
    settings = get_settings()
    index = open_index(settings)
    results = index.search(
        SearchQuery(
            text=query,
            assembly=assembly,
            draft_assemblies=frozenset({ALL_ASSEMBLIES}),
            limit=limit,
            facets=False,
        )
    )
    if as_json:
        document = {
            "query": query,
            "total": results.total,
            "hits": [asdict(hit) for hit in results.hits],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    if not results.hits:
        console.print(f"No results for {escape(query)!r}.")
        return
    parsed = parse_query(query)
    for hit in results.hits:
        console.print(_headline(hit))
        snippet = highlight(hit.text, parsed, marks=("[bold yellow]", "[/]"), escape=escape)
        console.print(f"    {snippet}")
    shown = len(results.hits)
    console.print(f"[dim]{shown} of {results.total} hit(s)[/]")


def _headline(hit: SearchHit) -> str:
    speaker = hit.speaker_name or hit.speaker or "?"
    draft = " [red]\\[draft][/]" if hit.status == "draft" else ""
    return (
        f"[bold]{escape(hit.assembly)}[/] · {escape(hit.session_title)} ({hit.session_date})"
        f"{draft} · [cyan]{clock(hit.start_s)}[/] · {escape(speaker)} · session {hit.session_id}"
    )
