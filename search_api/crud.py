"""Every query the API makes about sessions, members and statistics, search included (accounts
and API keys: ``accounts.py``; the stored records: ``kuvend.storage``). Functions take
keyword-only arguments.

Visibility is decided here, once: a session is public when it has a published version; the
secretariat of its assembly (``staff`` = the assemblies whose unpublished data the caller may
see) also sees it before that. What is not visible is reported as not found, so that an
outsider cannot tell a draft exists.

Writes here are the ones with no stage logic (members, scheduled sessions); the caller
commits. Review changes, publishing and recording follow ``publish``/``ingest`` rules and go
through the orchestration's ``SessionActions`` (see ``actions.py``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from kuvend.errors import ConflictError, NotFoundError, PermissionDeniedError, QueryError
from kuvend.minutes import Minutes, thaw
from kuvend.search import SearchIndex, SearchQuery, SearchResults
from kuvend.storage.members import refuse_a_second_member
from kuvend.storage.publications import latest_published
from kuvend.storage.tables import (
    AssemblyRow,
    MemberRow,
    PublishedVersionRow,
    SegmentRow,
    SessionRow,
    SpeakerRow,
)

Staff = frozenset[str]

# --- cursors --------------------------------------------------------------------------------


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for ``values`` (the sort key of the last row of a page)."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The values in a cursor; ``QueryError`` (HTTP 400) when it was not made by us."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QueryError("invalid cursor: pass next_cursor from the previous page") from None
    if not isinstance(values, list) or len(values) != arity:
        raise QueryError("invalid cursor: pass next_cursor from the previous page")
    return values


def decode_offset_cursor(cursor: str, *, maximum: int) -> int:
    """The offset in a ranked list's cursor, between 0 and ``maximum``."""
    (value,) = decode_cursor(cursor, 1)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise QueryError("invalid cursor: pass next_cursor from the previous page")
    return value


# --- sessions -------------------------------------------------------------------------------


def _has_published_version() -> Any:
    return exists().where(PublishedVersionRow.session_id == SessionRow.id)


def _visible(staff: Staff) -> Any:
    if not staff:
        return _has_published_version()
    return or_(_has_published_version(), SessionRow.assembly_slug.in_(sorted(staff)))


def list_sessions(
    *,
    session: Session,
    staff: Staff,
    assembly: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[SessionRow], str | None]:
    """Visible sessions, newest first, a page at a time (cursor = last row's date and id)."""
    query = select(SessionRow).where(_visible(staff))
    if assembly is not None:
        query = query.where(SessionRow.assembly_slug == assembly)
    if status == "published":
        query = query.where(_has_published_version())
    elif status is not None:
        query = query.where(SessionRow.status == status)
    if date_from is not None:
        query = query.where(SessionRow.date >= date_from)
    if date_to is not None:
        query = query.where(SessionRow.date <= date_to)
    if cursor is not None:
        last_date, last_id = decode_cursor(cursor, 2)
        try:
            last = date.fromisoformat(str(last_date))
        except ValueError:
            raise QueryError("invalid cursor: pass next_cursor from the previous page") from None
        query = query.where(
            or_(
                SessionRow.date < last,
                and_(SessionRow.date == last, SessionRow.id < str(last_id)),
            )
        )
    rows = list(
        session.scalars(
            query.order_by(SessionRow.date.desc(), SessionRow.id.desc()).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].date.isoformat(), rows[-1].id])
    return rows, next_cursor


def get_session(*, session: Session, staff: Staff, session_id: str) -> SessionRow:
    """A visible session, or ``NotFoundError``."""
    row = session.scalar(select(SessionRow).where(SessionRow.id == session_id, _visible(staff)))
    if row is None:
        raise NotFoundError(f"session {session_id} not found")
    return row


def get_staff_session(*, session: Session, staff: Staff, session_id: str) -> SessionRow:
    """A session the caller is secretariat of: 404 when invisible, 403 when only public."""
    row = get_session(session=session, staff=staff, session_id=session_id)
    if row.assembly_slug not in staff:
        raise PermissionDeniedError(
            f"only the secretariat of {row.assembly_slug} may change this session"
        )
    return row


def session_versions(*, session: Session, session_ids: Iterable[str]) -> dict[str, list[Any]]:
    """Published versions (number, hash, time) of each session, oldest first."""
    ids = list(session_ids)
    versions: dict[str, list[Any]] = defaultdict(list)
    if not ids:
        return versions
    rows = session.execute(
        select(
            PublishedVersionRow.session_id,
            PublishedVersionRow.version,
            PublishedVersionRow.sha256,
            PublishedVersionRow.published_at,
        )
        .where(PublishedVersionRow.session_id.in_(ids))
        .order_by(PublishedVersionRow.session_id, PublishedVersionRow.version)
    )
    for session_id, version, sha256, published_at in rows:
        versions[session_id].append((version, sha256, published_at))
    return versions


def last_publication_time(*, session: Session) -> datetime | None:
    """When the newest published version was published; ``None`` before the first."""
    newest: datetime | None = session.scalar(select(func.max(PublishedVersionRow.published_at)))
    if newest is not None and newest.tzinfo is None:  # SQLite keeps no time zone: UTC
        newest = newest.replace(tzinfo=UTC)
    return newest


def published_minutes(
    *, session: Session, staff: Staff, session_id: str, version: int | None = None
) -> Minutes:
    """The frozen minutes of a published version (the latest unless ``version`` is given)."""
    get_session(session=session, staff=staff, session_id=session_id)
    query = select(PublishedVersionRow.minutes_json, PublishedVersionRow.sha256).where(
        PublishedVersionRow.session_id == session_id
    )
    if version is not None:
        query = query.where(PublishedVersionRow.version == version)
    stored = session.execute(query.order_by(PublishedVersionRow.version.desc()).limit(1)).first()
    if stored is None:
        if version is not None:
            raise NotFoundError(f"session {session_id} has no version {version}")
        raise NotFoundError(f"session {session_id} has no published version yet")
    return thaw(stored.minutes_json, stored.sha256)


def schedule_session(
    *, session: Session, assembly: str, title: str, day: date, languages: list[str]
) -> SessionRow:
    """A new session in the ``scheduled`` state, before anything is recorded."""
    row = SessionRow(
        assembly_slug=assembly, title=title, date=day, status="scheduled", languages=languages
    )
    session.add(row)
    session.flush()
    return row


# --- the secretariat's working copy ---------------------------------------------------------


def list_segments(*, session: Session, session_id: str) -> list[SegmentRow]:
    """The current (not superseded) segments of a session, in time order."""
    return list(
        session.scalars(
            select(SegmentRow)
            .where(SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False))
            .order_by(SegmentRow.start_s, SegmentRow.position)
        )
    )


# --- live captions --------------------------------------------------------------------------

#: While a session is in one of these states its captions are public (citizens follow it
#: live); once the recording ends the transcript is a draft, invisible until published.
LIVE_STATUSES = frozenset({"recording", "stopping"})


def live_session(*, session: Session, session_id: str) -> SessionRow:
    """A session being recorded now; ``NotFoundError`` for any other, whoever asks."""
    row = session.get(SessionRow, session_id)
    if row is None or row.status not in LIVE_STATUSES:
        raise NotFoundError(f"session {session_id} is not live")
    return row


def live_captions(
    *, session: Session, session_id: str, after: tuple[int, int] | None
) -> tuple[str | None, list[SegmentRow]]:
    """The session's status and its captions after ``after`` = (chunk, position), in order.

    The live processor stores each chunk's segments at once, chunks in order, so (chunk,
    position) only grows while recording: it is the stream's resumable cursor.
    """
    status = session.scalar(select(SessionRow.status).where(SessionRow.id == session_id))
    query = select(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if after is not None:
        chunk, position = after
        query = query.where(
            or_(
                SegmentRow.chunk_index > chunk,
                and_(SegmentRow.chunk_index == chunk, SegmentRow.position > position),
            )
        )
    rows = session.scalars(query.order_by(SegmentRow.chunk_index, SegmentRow.position))
    return status, list(rows)


# --- assemblies and members -----------------------------------------------------------------


def list_assemblies(*, session: Session) -> list[AssemblyRow]:
    """Every assembly, by slug."""
    return list(session.scalars(select(AssemblyRow).order_by(AssemblyRow.slug)))


def get_assembly(*, session: Session, slug: str) -> AssemblyRow:
    """An assembly, or ``NotFoundError``."""
    row = session.get(AssemblyRow, slug)
    if row is None:
        raise NotFoundError(f"assembly {slug} not found")
    return row


def list_members(*, session: Session, assembly: str) -> list[MemberRow]:
    """An assembly's members, by name."""
    get_assembly(session=session, slug=assembly)
    return list(
        session.scalars(
            select(MemberRow).where(MemberRow.assembly_slug == assembly).order_by(MemberRow.name)
        )
    )


def get_member(*, session: Session, member_id: str) -> MemberRow:
    """A member, or ``NotFoundError``."""
    row = session.get(MemberRow, member_id)
    if row is None:
        raise NotFoundError(f"member {member_id} not found")
    return row


def create_member(
    *, session: Session, assembly: str, name: str, party: str | None, role: str | None
) -> MemberRow:
    """Register a member of an assembly (the voice sample is enrolled separately);
    ``ConflictError`` when the assembly has them already, spelled another way."""
    get_assembly(session=session, slug=assembly)
    refuse_a_second_member(session=session, assembly=assembly, name=name)
    row = MemberRow(assembly_slug=assembly, name=name, party=party, role=role)
    session.add(row)
    session.flush()
    return row


def update_member(*, session: Session, member: MemberRow, changes: dict[str, Any]) -> MemberRow:
    """Apply the given fields (name, party, role) to a member; ``ConflictError`` for a name
    another member of the assembly has."""
    if "name" in changes:
        refuse_a_second_member(
            session=session,
            assembly=member.assembly_slug,
            name=changes["name"],
            other_than=member.id,
        )
    for field, value in changes.items():
        setattr(member, field, value)
    session.flush()
    return member


def delete_member(*, session: Session, member: MemberRow) -> None:
    """Remove a member; refused while a session's speaker is named as them."""
    named = session.scalar(
        select(func.count()).select_from(SpeakerRow).where(SpeakerRow.member_id == member.id)
    )
    if named:
        raise ConflictError(
            f"member {member.id} is named as a speaker in {named} session(s): reassign first"
        )
    session.delete(member)
    session.flush()


# --- statistics -----------------------------------------------------------------------------


@dataclass
class _Tally:
    label: str | None = None
    seconds: float = 0.0
    turns: int = 0
    sessions: set[str] | None = None

    def add(self, session_id: str, seconds: float, turns: int, label: str | None) -> None:
        self.seconds += seconds
        self.turns += turns
        self.label = self.label or label
        self.sessions = (self.sessions or set()) | {session_id}


def speaking_statistics(
    *,
    session: Session,
    group_by: str,
    assembly: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[tuple[str, str | None, float, int, int]]:
    """(key, label, seconds, turns, sessions) per group, most speaking time first.

    Computed from the latest published minutes' speaker statistics, so it always agrees with
    what the assembly's page shows.
    """
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for record in latest_published(
        session=session, assembly=assembly, date_from=date_from, date_to=date_to
    ):
        minutes = thaw(record.minutes_json, record.sha256)
        sid = minutes.session.id
        for speaker in minutes.speakers:
            if group_by == "language":
                for language, seconds in speaker.languages.items():
                    tallies[language].add(sid, seconds, 0, None)
                continue
            key, label = _group_key(group_by, minutes, speaker)
            if key is not None:
                tallies[key].add(sid, speaker.speaking_time_s, speaker.turns, label)
    rows = [
        (key, tally.label, round(tally.seconds, 3), tally.turns, len(tally.sessions or ()))
        for key, tally in tallies.items()
    ]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def _group_key(group_by: str, minutes: Minutes, speaker: Any) -> tuple[str | None, str | None]:
    if group_by == "member":
        return speaker.member_id, speaker.name
    if group_by == "party":
        return speaker.party, None
    if group_by == "assembly":
        return minutes.session.assembly, None
    if group_by == "year":
        return minutes.session.date[:4], None
    return minutes.session.date[:7], None  # month


# --- search ---------------------------------------------------------------------------------


def search_segments(*, index: SearchIndex, query: SearchQuery) -> SearchResults:
    """Run a search on the configured index (``QueryError`` for a malformed query)."""
    return index.search(query)
