"""``kuvend sessions list|show``: what has been processed, how far along it is, its versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli.app import app
from cli.output import Record, column, print_json, print_records, stdout_console
from kuvend.config import get_settings
from kuvend.storage.chunks import load_progress
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.sessions import get_session
from kuvend.storage.tables import PublishedVersionRow, SessionRow

sessions_app = typer.Typer(
    help="Sessions: status, processing progress and published versions.", no_args_is_help=True
)
app.add_typer(sessions_app, name="sessions")

_STATUSES = "scheduled, recording, stopping, queued, processing, draft, published, failed"

_COLUMNS: dict[str, Callable[[Record], object]] = {
    name: column(name) for name in ("id", "assembly", "date", "status", "versions", "title")
}


@sessions_app.command("list")
def list_sessions(
    assembly: Annotated[str | None, typer.Option(help="Only this assembly (slug).")] = None,
    status: Annotated[str | None, typer.Option(help=f"Only this status: {_STATUSES}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sessions as JSON.")] = False,
) -> None:
    """Every session, newest first, with its status and number of published versions."""
    url = get_settings().resolved_database_url
    migrate(url)
    with session_scope(url) as db:
        versions = dict(
            db.execute(
                select(PublishedVersionRow.session_id, func.count()).group_by(
                    PublishedVersionRow.session_id
                )
            ).all()
        )
        query = select(SessionRow).order_by(SessionRow.date.desc(), SessionRow.created_at.desc())
        if assembly is not None:
            query = query.where(SessionRow.assembly_slug == assembly)
        if status is not None:
            query = query.where(SessionRow.status == status)
        rows = [
            {
                "id": row.id,
                "assembly": row.assembly_slug,
                "date": row.date.isoformat(),
                "title": row.title,
                "status": row.status,
                "duration_s": round(row.duration_s, 3),
                "versions": int(versions.get(row.id, 0)),
            }
            for row in db.scalars(query)
        ]
    print_records(rows, as_json=as_json, empty="No sessions.", columns=_COLUMNS)


@sessions_app.command("show")
def show_session(
    session_id: Annotated[str, typer.Argument(help="Id of the session.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the session as JSON.")] = False,
) -> None:
    """One session: its status (and error), processing progress and published versions."""
    url = get_settings().resolved_database_url
    migrate(url)
    with session_scope(url) as db:
        document = _describe(db, session_id)  # NotFoundError: one line, exit 2
    if as_json:
        print_json(document)
        return
    console = stdout_console()
    progress = document["progress"]
    console.print(f"Session {document['id']}", markup=False)
    for label, value in (
        ("title", document["title"]),
        ("assembly", document["assembly"]),
        ("date", document["date"]),
        ("status", document["status"]),
        ("error", document["error"]),
        ("duration", f"{document['duration_s']:.0f} s"),
        ("progress", f"{progress['chunks_done']} of {progress['chunk_count']} chunks done"),
    ):
        if value:
            console.print(f"  {label + ':':<10}{value}", markup=False)
    if not document["versions"]:
        console.print("  No published version.", markup=False)
    for version in document["versions"]:
        console.print(
            f"  version {version['version']}: published {version['published_at']}, "
            f"sha256 {version['sha256']}",
            markup=False,
        )


def _describe(db: Session, session_id: str) -> dict[str, Any]:
    row = get_session(session=db, session_id=session_id)
    progress = load_progress(session=db, session_id=session_id)
    versions = db.scalars(
        select(PublishedVersionRow)
        .where(PublishedVersionRow.session_id == session_id)
        .order_by(PublishedVersionRow.version)
    )
    return {
        "id": row.id,
        "assembly": row.assembly_slug,
        "title": row.title,
        "date": row.date.isoformat(),
        "status": row.status,
        "error": row.error,
        "duration_s": round(row.duration_s, 3),
        "progress": {
            "chunks_done": progress.chunks_done,
            "chunk_count": len(progress.chunks),
            "finished": progress.finished,
            "chunks": [
                {"index": c.index, "state": c.state, "stage": c.stage, "error": c.error}
                for c in progress.chunks
            ],
        },
        "versions": [
            {
                "version": v.version,
                "sha256": v.sha256,
                "published_at": v.published_at.isoformat(),
            }
            for v in versions
        ],
    }
