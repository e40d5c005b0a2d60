"""The search and API commands: ``search``, ``serve``, ``reindex``.

``kuvend search`` is the operator's local view of the index: drafts included, and marked.
"""

import errno
import json
import logging
import socket
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cli import logs
from cli.app import app
from cli.output import stdout_console
from kuvend.addresses import remember_served_address, served_address
from kuvend.config import get_settings
from kuvend.errors import KuvendError
from kuvend.query_language import parse_query
from kuvend.search import ALL_ASSEMBLIES, SearchQuery
from kuvend.storage.db import migrate

if TYPE_CHECKING:
    from kuvend.search import SearchHit

# Commands import the stages they use inside their bodies: `kuvend --help` and `kuvend search`
# must not wait for torch and the speech models to import.


def clock(seconds: float) -> str:
    """``3725.4`` → ``1:02:05``: a session time as people read it."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# ``-word`` is a query's exclusion, not an option: unknown dashed words stay arguments.
@app.command(context_settings={"ignore_unknown_options": True})
def search(
    words: Annotated[
        list[str],
        typer.Argument(
            help='Words, "a phrase", -excluded, prefix*: '
            "kuvend search keshilli -buxhet, kuvend search '\"seanca e radhës\"'.",
            show_default=False,
        ),
    ],
    assembly: Annotated[str | None, typer.Option(help="Only this assembly (slug).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many hits to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Search everything indexed, drafts included. Accents are optional: e finds ë, c finds č."""
    from kuvend.storage.index import open_index
    from kuvend.storage.index.snippets import highlight

    query = " ".join(words)

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
    console = stdout_console()
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


def _headline(hit: "SearchHit") -> str:
    speaker = hit.speaker_name or hit.speaker or "?"
    draft = " [red]\\[draft][/]" if hit.status == "draft" else ""
    return (
        f"[bold]{escape(hit.assembly)}[/] · {escape(hit.session_title)} ({hit.session_date})"
        f"{draft} · [cyan]{clock(hit.start_s)}[/] · {escape(speaker)} · session {hit.session_id}"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Start the API (/api/v1, OpenAPI at /openapi.json) and the assembly pages."""
    import uvicorn

    from publish import search_page
    from search_api.app import create_app
    from workers.actions import PipelineActions

    logs.show_at_least(logging.WARNING)  # a server's log is where its warnings are read
    settings = get_settings()
    _check_bindable(host, port)  # before announcing an address that cannot be served
    migrate(settings.resolved_database_url)
    if not (settings.resolved_site_dir / "index.html").exists():
        # Before the first publish: the front door (assemblies, an empty state), not a 404.
        from workers.steps import rebuild_site_step

        rebuild_site_step(settings=settings)
    address = served_address(host, port)
    remember_served_address(settings, address)
    actions = PipelineActions(settings)
    # Embedded mode: sessions a killed API left unfinished are picked up again.
    api = create_app(
        settings,
        actions=actions,
        on_startup=[actions.resume_interrupted],
        search_pages=search_page,
    )
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"Kuvend API on {address}/api/v1 (docs: {address}/docs)"
    )
    # proxy_headers off: uvicorn would trust X-Forwarded-For from loopback; the API reads it
    # only from KUVEND_TRUSTED_PROXIES (search_api.signin.client_address).
    uvicorn.run(api, host=host, port=port, log_level="info", proxy_headers=False)


def _check_bindable(host: str, port: int) -> None:
    """``KuvendError`` in one line when ``host:port`` cannot be listened on (in use, or no
    such local address), as uvicorn would find out after the address was announced."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise KuvendError(f"cannot listen on {host}: {error.strerror}") from None
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        # As uvicorn binds: a port whose last connections are closing is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise KuvendError(
                    f"port {port} on {host} is in use (choose another with --port)"
                ) from None
            raise KuvendError(f"cannot listen on {host}:{port}: {error.strerror}") from None


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database: published versions, then drafts."""
    from workers.backup import rebuild_index

    counts = rebuild_index(get_settings())
    Console(stderr=True, highlight=False).print(
        f"Indexed {counts.segments} segments: {counts.published} published session(s), "
        f"{counts.drafts} draft(s)."
    )
