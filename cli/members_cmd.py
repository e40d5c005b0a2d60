"""``kuvend members add|list``: the assembly's register of members and their voiceprints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from cli import checks
from cli.app import app
from cli.assemblies import NewAssembly, check_new_session_assembly
from cli.output import Record, column, print_records, stdout_console
from kuvend import interrupts
from kuvend.config import get_settings
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.members import embedding_bytes, refuse_a_second_member, require_member
from kuvend.storage.sessions import ensure_assembly
from kuvend.storage.tables import MemberRow

members_app = typer.Typer(help="Register assembly members and enrol their voices.")
app.add_typer(members_app, name="members")

_console = stdout_console()

_COLUMNS: dict[str, Callable[[Record], object]] = {
    **{name: column(name) for name in ("id", "assembly", "name", "party", "role")},
    "voice": lambda m: "-" if m["voiceprint_s"] is None else f"{m['voiceprint_s']:.0f} s",
    # After a switch of encoder, the prints of another one name nobody until re-enrolled.
    "encoder": lambda m: m["voiceprint_encoder"] or "-",
}


#: What ``members add`` says to do for a member who is registered already.
_AGAIN = "to enrol their voice again: kuvend members voice {id} --voice FILE"


@members_app.command()
def add(
    assembly: Annotated[
        str, typer.Option(help="Assembly slug, e.g. prishtine.", callback=checks.slug)
    ],
    name: Annotated[str, typer.Option(help="The member's full name.", callback=checks.name)],
    party: Annotated[
        str, typer.Option(help="Party or list the member sits for.", callback=checks.line)
    ],
    voice: Annotated[
        Path, typer.Option(help="A 10-60 s recording of the member speaking (any audio format).")
    ],
    role: Annotated[
        str | None, typer.Option(help="Role, e.g. chair, councillor.", callback=checks.line)
    ] = None,
    new_assembly: NewAssembly = False,
) -> None:
    """Register a member and enrol their voiceprint, so that sessions name them."""
    # Here, not at the top: `kuvend --help` need not wait for torch.
    import diarize
    from workers.engines import voice_diarizer

    check_new_session_assembly(assembly, new_assembly=new_assembly)
    settings = get_settings()
    url = settings.resolved_database_url
    migrate(url)
    with session_scope(url) as db:  # before the slow part: making the print
        refuse_a_second_member(session=db, assembly=assembly, name=name, again=_AGAIN)

    diarizer = voice_diarizer(settings)
    voiceprint = diarize.enrol_voice(voice, diarizer)
    interrupts.raise_if_stop_requested()  # one that landed in a library's cleanup
    with session_scope(url) as db:
        ensure_assembly(session=db, slug=assembly)
        # Again: another `members add` of the same person may have finished meanwhile.
        refuse_a_second_member(session=db, assembly=assembly, name=name, again=_AGAIN)
        row = MemberRow(
            assembly_slug=assembly,
            name=name,
            party=party,
            role=role,
            voiceprint=embedding_bytes(voiceprint.embedding),
            voiceprint_seconds=voiceprint.speech_s,
            voiceprint_encoder=diarizer.voice_space,
        )
        db.add(row)
        db.flush()
        member_id = row.id
    interrupts.ignore_stops()  # enrolled and stored: a stop now must not report it undone
    _console.print(
        f"Enrolled {name} ({party}) in {assembly} as member {member_id}: voiceprint from "
        f"{voiceprint.speech_s:.0f} s of speech ({diarizer.name} diarizer, "
        f"{diarizer.voice_space} voice space).",
        markup=False,
    )


@members_app.command()
def voice(
    member_id: Annotated[str, typer.Argument(help="The member's id (kuvend members list).")],
    voice: Annotated[
        Path, typer.Option(help="A 10-60 s recording of the member speaking (any audio format).")
    ],
) -> None:
    """Enrol a member's voice again, replacing their voiceprint (after a switch of encoder)."""
    # Here, not at the top: `kuvend --help` need not wait for torch.
    from workers.engines import voice_diarizer
    from workers.voiceprints import enrol_from_sample

    settings = get_settings()
    url = settings.resolved_database_url
    migrate(url)
    with session_scope(url) as db:
        name = require_member(session=db, member_id=member_id).name
    diarizer = voice_diarizer(settings)
    voiceprint = enrol_from_sample(
        settings=settings, diarizer=diarizer, member_id=member_id, sample=voice
    )
    interrupts.ignore_stops()  # enrolled and stored: a stop now must not report it undone
    _console.print(
        f"Enrolled {name} (member {member_id}) again: voiceprint from "
        f"{voiceprint.speech_s:.0f} s of speech ({diarizer.voice_space} voice space).",
        markup=False,
    )


@members_app.command("list")
def list_members(
    assembly: Annotated[str | None, typer.Option(help="Only this assembly (slug).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the members as JSON.")] = False,
) -> None:
    """The registered members, and whether each has a voiceprint, and from which encoder."""
    url = get_settings().resolved_database_url
    migrate(url)
    with session_scope(url) as db:
        query = select(MemberRow).order_by(MemberRow.assembly_slug, MemberRow.name)
        if assembly is not None:
            query = query.where(MemberRow.assembly_slug == assembly)
        rows = [
            {
                "id": row.id,
                "assembly": row.assembly_slug,
                "name": row.name,
                "party": row.party,
                "role": row.role,
                "voiceprint_s": round(row.voiceprint_seconds, 1) if row.voiceprint else None,
                "voiceprint_encoder": row.voiceprint_encoder if row.voiceprint else None,
            }
            for row in db.scalars(query)
        ]
    print_records(rows, as_json=as_json, empty="No members registered.", columns=_COLUMNS)
