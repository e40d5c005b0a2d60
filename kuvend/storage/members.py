"""An assembly's members as the stages need them: names, voiceprints, the recogniser's vocabulary.

A voiceprint is stored as float32 little-endian bytes with the encoder (``voice_space``) that
made it; one made by another encoder is never compared. The register's own reads and writes
(the API's) are in ``search_api.crud``.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``kuvend.storage.db.session_scope``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuvend.domain import Embedding, Member
from kuvend.errors import ConflictError, NotFoundError
from kuvend.storage.tables import (
    AssemblyRow,
    MemberRow,
)
from kuvend.text import serbian_to_latin


def embedding_bytes(embedding: Embedding) -> bytes:
    """How a voice embedding is stored: float32, little-endian."""
    return embedding.astype("<f4").tobytes()


def embedding_from_bytes(stored: bytes) -> Embedding:
    """A stored voice embedding back as an array (see :func:`embedding_bytes`)."""
    return np.frombuffer(stored, dtype="<f4")


def load_members(*, session: Session, assembly: str) -> list[Member]:
    """The assembly's members, with their voiceprints where enrolled."""
    rows = session.scalars(
        select(MemberRow).where(MemberRow.assembly_slug == assembly).order_by(MemberRow.name)
    )
    return [
        Member(
            id=row.id,
            assembly=row.assembly_slug,
            name=row.name,
            party=row.party,
            role=row.role,
            voiceprint=None if row.voiceprint is None else embedding_from_bytes(row.voiceprint),
            voice_space=row.voiceprint_encoder,
        )
        for row in rows
    ]


def assembly_vocabulary(*, session: Session, assembly: str) -> tuple[str, ...]:
    """Words the recogniser should expect in this assembly: its word list and members' names."""
    row = session.get(AssemblyRow, assembly)
    listed = tuple(row.vocabulary) if row is not None else ()
    names = tuple(
        session.scalars(select(MemberRow.name).where(MemberRow.assembly_slug == assembly))
    )
    return tuple(dict.fromkeys((*listed, *names)))


def require_member(*, session: Session, member_id: str) -> MemberRow:
    """The member's row; ``NotFoundError`` unless the member exists."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    return row


def load_voiceprint(
    *, session: Session, member_id: str, voice_space: str
) -> tuple[Embedding, float] | None:
    """A member's voiceprint in ``voice_space`` and its seconds of speech, or None if the member
    is not enrolled or was enrolled with another encoder (that voiceprint is not comparable)."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    if row.voiceprint is None or row.voiceprint_encoder != voice_space:
        return None
    return embedding_from_bytes(row.voiceprint), row.voiceprint_seconds


def save_voiceprint(
    *, session: Session, member_id: str, embedding: Embedding, speech_s: float, voice_space: str
) -> None:
    """Store a member's voiceprint (float32, little-endian), its seconds of speech and the
    encoder (``voice_space``) it was made with, replacing any earlier one."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    row.voiceprint = embedding_bytes(embedding)
    row.voiceprint_seconds = speech_s
    row.voiceprint_encoder = voice_space
    session.flush()


def learns_voiceprints(*, session: Session, assembly: str) -> bool:
    """Whether the assembly lets reviewers' namings refine its members' voiceprints."""
    row = session.get(AssemblyRow, assembly)
    return bool(row is not None and row.learn_voiceprints)


def name_key(name: str) -> str:
    """``name`` as two spellings of one person compare: Unicode compatibility form (NFKC: a
    decomposed "Ë" or a no-break space read as typed), invisible format characters (a
    zero-width space) dropped, Serbian Cyrillic in Gaj's Latin ("Марко Јовановић" is "Marko
    Jovanović": a Serbian member's name is written in either script, and Cyrillic to Latin is
    exact), white space runs as one space, ends trimmed, case folded."""
    composed = unicodedata.normalize("NFKC", name)
    visible = serbian_to_latin("".join(c for c in composed if unicodedata.category(c) != "Cf"))
    return " ".join(visible.split()).casefold()


def refuse_a_second_member(
    *,
    session: Session,
    assembly: str,
    name: str,
    other_than: str | None = None,
    again: str = "",
) -> None:
    """``ConflictError`` when ``assembly`` has a member (not ``other_than``) whose name is
    ``name`` spelled another way (``name_key``): a second row would split the person's
    namings and voiceprints. The message names the member, then ``again`` (how to enrol
    them again, ``{id}`` standing for the member's id).

    Holds the assembly's row locked (``FOR UPDATE``; SQLite's units of work hold the whole
    database already) until the caller's transaction ends: two registrations of one person at
    once wait for each other, and the second sees the first, however PostgreSQL isolates them.
    """
    session.execute(select(AssemblyRow).where(AssemblyRow.slug == assembly).with_for_update())
    named = _members_named(session=session, assembly=assembly, name=name)
    row = next((row for row in named if row.id != other_than), None)
    if row is not None:
        hint = f"; {again.format(id=row.id)}" if again else ""
        raise ConflictError(f"{row.name} is already a member of {assembly} (member {row.id}){hint}")


def member_named(*, session: Session, assembly: str, name: str) -> MemberRow | None:
    """The member of ``assembly`` whose name is ``name`` however it is spelled (``name_key``:
    case, script, spacing), or None; the earliest registered where there are several."""
    return next(_members_named(session=session, assembly=assembly, name=name), None)


def _members_named(*, session: Session, assembly: str, name: str) -> Iterator[MemberRow]:
    key = name_key(name)
    rows = session.scalars(
        select(MemberRow).where(MemberRow.assembly_slug == assembly).order_by(MemberRow.created_at)
    )
    return (row for row in rows if name_key(row.name) == key)
