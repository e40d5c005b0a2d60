"""Put the search corpus into a database as the pipeline would have left it, and index it.

For each session: its assembly, a ``SessionRow``, the members its speakers are, ``SpeakerRow``
labels, every segment as a ``SegmentRow`` (the working copy), and for published sessions a
``PublishedVersionRow`` holding the minutes JSON. Two secretariat accounts: one of
``prishtine`` (assembly A, which has a draft) and one of ``graqanice`` (assembly B), and a
session of B being recorded (``gr-live``, status ``recording``, nothing published).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.search import SearchIndex
from kuvend.storage.db import session_scope
from kuvend.storage.tables import (
    AssemblyRow,
    MemberRow,
    PublishedVersionRow,
    SegmentRow,
    SessionRow,
    SpeakerRow,
)
from publish.versions import freeze
from search_api import security
from search_api.accounts import create_user

ASSEMBLY_A = "prishtine"
ASSEMBLY_B = "graqanice"
PASSWORD = "correct horse battery staple"
LIVE_B = "gr-live"
LIVE_B_TITLE = "Sednica uživo"


@dataclass(frozen=True)
class Accounts:
    email_a: str = "sekretaria@prishtine.example"
    email_b: str = "sekretarijat@graqanice.example"


#: argon2 memory for test accounts (production uses 64 MiB; 2 cores shared by many make
#: that seconds per sign-in here).
TEST_HASH_MEMORY_KIB = 1024


def seed(settings: Settings, corpus: list[Minutes], index: SearchIndex) -> Accounts:
    """Store and index ``corpus``; returns the two secretariat accounts (password PASSWORD)."""
    accounts = Accounts()
    password_hash = security.hash_password(PASSWORD, memory_kib=TEST_HASH_MEMORY_KIB)
    with session_scope(settings.resolved_database_url) as db:
        for slug in sorted({minutes.session.assembly for minutes in corpus}):
            db.add(AssemblyRow(slug=slug, name=slug.capitalize()))
        db.flush()
        members: set[str] = set()
        for minutes in corpus:
            _store(db, minutes, members)
        db.add(
            SessionRow(
                id=LIVE_B,
                assembly_slug=ASSEMBLY_B,
                title=LIVE_B_TITLE,
                date=date(2024, 3, 1),
                status="recording",
            )
        )
        for email, assembly in ((accounts.email_a, ASSEMBLY_A), (accounts.email_b, ASSEMBLY_B)):
            create_user(session=db, email=email, password_hash=password_hash, assembly=assembly)
    for minutes in corpus:
        index.index_minutes(minutes)
    return accounts


def _store(db: Session, minutes: Minutes, members: set[str]) -> None:
    session = minutes.session
    db.add(
        SessionRow(
            id=session.id,
            assembly_slug=session.assembly,
            title=session.title,
            date=date.fromisoformat(session.date),
            status=session.status,
            languages=list(session.languages),
            duration_s=session.duration_s,
        )
    )
    for speaker in minutes.speakers:
        if speaker.member_id and speaker.member_id not in members:
            members.add(speaker.member_id)
            db.add(
                MemberRow(
                    id=speaker.member_id,
                    assembly_slug=session.assembly,
                    name=speaker.name or speaker.id,
                    party=speaker.party,
                )
            )
    db.flush()
    for speaker in minutes.speakers:
        db.add(SpeakerRow(session_id=session.id, label=speaker.id, member_id=speaker.member_id))
    for position, segment in enumerate(minutes.segments):
        db.add(
            SegmentRow(
                id=segment.id,
                session_id=session.id,
                position=position,
                start_s=segment.start,
                end_s=segment.end,
                speaker_label=segment.speaker,
                language=segment.language,
                text=segment.text,
            )
        )
    if session.status == "published":
        frozen = freeze(minutes, version=1)  # as publish freezes a version
        db.add(
            PublishedVersionRow(
                session_id=session.id,
                version=1,
                sha256=frozen.sha256,
                minutes_json=frozen.json_text,
            )
        )
    db.flush()
