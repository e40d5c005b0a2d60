"""A processed session of the secretariat's assembly, stored as the pipeline leaves it.

No models: the segments are given, stored through the storage layer (``kuvend.storage``), with a
secretariat account to sign in with. Used by the browser tests and by ``bench/review.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from kuvend.config import Settings
from kuvend.domain import Segment, Word
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.segments import StoredSpeaker, replace_session_segments, replace_speakers
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import AssemblyRow, MemberRow
from search_api import security
from search_api.accounts import create_user

ASSEMBLY = "prishtine"
ASSEMBLY_NAME = "Kuvendi Komunal i Prishtinës"
EMAIL = "sekretaria@prishtine.example"
OTHER_EMAIL = "zyra@prishtine.example"
PASSWORD = "correct horse battery staple"
#: argon2 memory of the test accounts (production uses 64 MiB; this machine is shared).
HASH_MEMORY_KIB = 1024
MEMBERS = {"m-ana": "Ana Kelmendi", "m-marko": "Marko Jovanović"}


def settings_for(data_dir: Path) -> Settings:
    """Settings of an embedded deployment in ``data_dir`` (SQLite, SQLite FTS, no queue)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url="",
        search_backend="sqlite",
        password_hash_memory_kib=HASH_MEMORY_KIB,
        anonymous_rate_limit="100000/minute",
    )
    migrate(settings.resolved_database_url)
    return settings


def words(text: str, start: float, end: float, doubtful: Sequence[int] = ()) -> tuple[Word, ...]:
    """Evenly spaced words; those at ``doubtful`` positions are low-confidence."""
    tokens = text.split()
    step = (end - start) / max(1, len(tokens))
    return tuple(
        Word(start + i * step, start + (i + 1) * step, token, 0.4 if i in doubtful else 0.93,
             i in doubtful)
        for i, token in enumerate(tokens)
    )  # fmt: skip


def segment(start: float, end: float, speaker: str, text: str, language: str = "sq",
            doubtful: Sequence[int] = ()) -> Segment:  # fmt: skip
    """A recognised segment."""
    return Segment(
        start_s=start, end_s=end, text=text, language=language, language_probability=0.95,
        words=words(text, start, end, doubtful), speaker=speaker, avg_logprob=-0.3,
    )  # fmt: skip


def seed_accounts(settings: Settings) -> None:
    """The assembly, its two members and two secretariat accounts (password PASSWORD)."""
    password_hash = security.hash_password(PASSWORD, memory_kib=HASH_MEMORY_KIB)
    with session_scope(settings.resolved_database_url) as db:
        db.add(AssemblyRow(slug=ASSEMBLY, name=ASSEMBLY_NAME))
        db.flush()
        for member_id, name in MEMBERS.items():
            db.add(MemberRow(id=member_id, assembly_slug=ASSEMBLY, name=name))
        for email in (EMAIL, OTHER_EMAIL):
            create_user(session=db, email=email, password_hash=password_hash,
                             assembly=ASSEMBLY)  # fmt: skip


def seed_session(
    settings: Settings,
    session_id: str,
    segments: Sequence[Segment],
    *,
    title: str,
    duration_s: float,
    audio: bool = False,
) -> None:
    """A processed draft: S1 is Ana, S2 Marko, S3 unnamed; a silent recording if ``audio``."""
    with session_scope(settings.resolved_database_url) as db:
        row = create_session(
            session=db, assembly=ASSEMBLY, title=title, date=date(2026, 11, 26),
            session_id=session_id, status="draft",
        )  # fmt: skip
        row.duration_s = duration_s
        replace_speakers(
            session=db,
            session_id=session_id,
            speakers=[
                StoredSpeaker("S1", "m-ana", None, 0.0),
                StoredSpeaker("S2", "m-marko", None, 0.0),
                StoredSpeaker("S3", None, None, 0.0),
            ],
        )
        replace_session_segments(session=db, session_id=session_id, segments=segments)
    if audio:
        _silence(settings.data_dir / "sessions" / session_id / "audio.m4a", duration_s)


def _silence(path: Path, seconds: float) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not installed (apt install ffmpeg)")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "anullsrc=r=16000:cl=mono", "-t", f"{seconds:.3f}", "-c:a", "aac", "-b:a", "24k",
         str(path)],
        check=True,
    )  # fmt: skip
