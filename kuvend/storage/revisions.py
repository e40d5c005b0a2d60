"""Persistence of review and publication: revisions, the draft, versions, agenda, materials, hooks.

A revision is saved with what it replaced: corrected segments become new rows and the rows
they replace are marked ``superseded`` (never deleted or overwritten), so the draft's history
can always be read back. A segment keeps its id through a correction (the superseded copy of
its old row takes a fresh history id; the revision's ``before`` names the segment's id), so a
reviewer's links and a client's next edit still find it. A published version is a frozen
copy of the minutes' JSON with its SHA-256; publishing again adds a version and keeps the
earlier ones.

Every function takes a keyword-only SQLAlchemy ``session`` and leaves committing to the caller
(``session_scope``).

Why one module of ~650 lines: these are all the queries of review and publication (the
``crud.py`` of ``publish``), kept together so that the API and the site read the same
definitions of "published"; each section below is independent and could be split along
its ``# --`` headings.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kuvend.errors import NotFoundError
from kuvend.minutes import (
    MinutesAgendaItem,
    MinutesGap,
    MinutesSegment,
    MinutesSpeaker,
    MinutesWord,
)
from kuvend.storage.tables import (
    AgendaItemRow,
    AssemblyRow,
    GapRow,
    MaterialRow,
    MemberRow,
    PublishedVersionRow,
    RevisionRow,
    SegmentRow,
    SessionRow,
    SpeakerRow,
    WebhookRow,
    new_id,
)
from kuvend.text import has_cyrillic, serbian_to_cyrillic, serbian_to_latin
from kuvend.types import segment_flag

RevisionAction = Literal[
    "edit_text",
    "move_boundary",
    "split",
    "merge",
    "assign_turn",
    "name_speaker",
    "set_agenda",
    "attach_material",
    "publish",
]


@dataclass(frozen=True, slots=True)
class Revision:
    """One change to a session's minutes: who made it, when, and the content before and after."""

    session_id: str
    action: RevisionAction
    user_id: str | None
    created_at: datetime
    segment_id: str | None
    """The first segment the change replaced, if it touched segments."""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


# -- revisions ---------------------------------------------------------------------------------


def save_revision(*, session: Session, revision: Revision) -> int:
    """Record ``revision`` and bring the draft's rows in line with it; returns its id."""
    old_ids = [segment["id"] for segment in revision.before.get("segments", [])]
    new_segments = [
        MinutesSegment.model_validate(segment) for segment in revision.after.get("segments", [])
    ]
    if old_ids or new_segments:
        _replace_rows(session, revision.session_id, old_ids, new_segments)
    if "speaker" in revision.after:
        _save_speaker(session, revision.session_id, MinutesSpeaker(**revision.after["speaker"]))
    for segment in new_segments:
        # A turn given to a member who had no label in this session brings a new label.
        if segment.speaker and not _speaker_row(session, revision.session_id, segment.speaker):
            session.add(SpeakerRow(session_id=revision.session_id, label=segment.speaker))
    if "agenda" in revision.after:
        _replace_agenda(session, revision.session_id, revision.after["agenda"])
    row = RevisionRow(
        session_id=revision.session_id,
        segment_id=revision.segment_id,
        user_id=revision.user_id,
        action=revision.action,
        before=revision.before,
        after=revision.after,
        created_at=revision.created_at,
    )
    session.add(row)
    session.flush()
    return row.id


def _replace_rows(
    session: Session, session_id: str, old_ids: list[str], new: list[MinutesSegment]
) -> None:
    old_rows = {
        row.id: row
        for row in session.scalars(
            select(SegmentRow).where(
                SegmentRow.session_id == session_id, SegmentRow.id.in_(old_ids)
            )
        )
    }
    missing = [segment_id for segment_id in old_ids if segment_id not in old_rows]
    if missing or any(row.superseded for row in old_rows.values()):
        raise NotFoundError(f"segments {missing or old_ids} are no longer in the draft")
    template = old_rows[old_ids[0]] if old_ids else None
    for row in old_rows.values():
        session.expunge(row)  # the rows are rewritten below by statements, not by the ORM
    for old_id in old_ids:
        # The old row stays as history under a fresh id, so that the segment's id (kept by an
        # edit, by a split's first part, by a merge's first segment) belongs to the live row
        # only. Superseded rows count as reviewed: re-running recognition never deletes them.
        session.execute(
            update(SegmentRow)
            .where(SegmentRow.id == old_id)
            .values(id=new_id(), superseded=True, reviewed=True),
            execution_options={"synchronize_session": False},
        )
    position = session.scalar(
        select(func.coalesce(func.max(SegmentRow.position), 0)).where(
            SegmentRow.session_id == session_id
        )
    )
    for offset, segment in enumerate(new, start=1):
        session.add(_row(session_id, segment, (position or 0) + offset, template))
    session.flush()


def _row(
    session_id: str, segment: MinutesSegment, position: int, template: SegmentRow | None
) -> SegmentRow:
    other_script = None
    if segment.language == "sr" and template is not None and template.text_other_script:
        other_script = (
            serbian_to_latin(segment.text)
            if has_cyrillic(segment.text)
            else serbian_to_cyrillic(segment.text)
        )
    return SegmentRow(
        id=segment.id,
        session_id=session_id,
        chunk_index=template.chunk_index if template else 0,
        position=position,
        start_s=segment.start,
        end_s=segment.end,
        speaker_label=segment.speaker,
        language=segment.language,
        language_probability=segment.language_p or 0.0,
        text=segment.text,
        text_other_script=other_script,
        words=[word.model_dump(mode="json") for word in segment.words],
        avg_logprob=segment.avg_logprob or 0.0,
        no_speech_prob=segment.no_speech_prob or 0.0,
        compression_ratio=segment.compression_ratio or 0.0,
        flag=segment.flag,
        reviewed=segment.reviewed,
    )


def _speaker_row(session: Session, session_id: str, label: str) -> SpeakerRow | None:
    return session.scalar(
        select(SpeakerRow).where(SpeakerRow.session_id == session_id, SpeakerRow.label == label)
    )


def _save_speaker(session: Session, session_id: str, speaker: MinutesSpeaker) -> None:
    row = _speaker_row(session, session_id, speaker.id)
    if row is None:
        row = SpeakerRow(session_id=session_id, label=speaker.id)
        session.add(row)
    row.member_id = speaker.member_id
    row.guest_name = speaker.name if speaker.member_id is None else None
    session.flush()


def _replace_agenda(session: Session, session_id: str, items: list[dict[str, Any]]) -> None:
    published = bool(
        session.scalar(
            select(func.count())
            .select_from(AgendaItemRow)
            .where(AgendaItemRow.session_id == session_id, AgendaItemRow.published.is_(True))
        )
    )
    session.execute(delete(AgendaItemRow).where(AgendaItemRow.session_id == session_id))
    session.add_all(
        AgendaItemRow(
            session_id=session_id,
            position=position,
            start_s=item.get("start"),
            title=item["title"],
            published=published,
        )
        for position, item in enumerate(items)
    )
    session.flush()


def load_revisions(*, session: Session, session_id: str) -> list[Revision]:
    """The session's revisions, oldest first."""
    rows = session.scalars(
        select(RevisionRow).where(RevisionRow.session_id == session_id).order_by(RevisionRow.id)
    )
    return [
        Revision(
            session_id=row.session_id,
            action=row.action,  # type: ignore[arg-type]
            user_id=row.user_id,
            created_at=_aware(row.created_at),
            segment_id=row.segment_id,
            before=row.before,
            after=row.after,
        )
        for row in rows
    ]


# -- the draft ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftParts:
    """What the draft minutes are made of, as stored (figures are computed by ``publish``)."""

    session_id: str
    assembly: str
    assembly_name: str
    title: str
    date: str
    duration_s: float
    languages: list[str]
    serbian_script: Literal["latin", "cyrillic"]
    generator: str | None
    gaps: list[MinutesGap]
    agenda: list[MinutesAgendaItem]
    speakers: list[MinutesSpeaker]
    segments: list[MinutesSegment]


def load_draft_parts(
    *, session: Session, session_id: str, only: Sequence[str] | None = None
) -> DraftParts:
    """The current (not superseded) segments, speakers, agenda and header of a session.

    ``only``: just these segments (a change that touches one segment of a three-hour session
    need not read the other thousands).
    """
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    assembly = session.get(AssemblyRow, row.assembly_slug)
    segment_query = select(SegmentRow).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if only is not None:
        segment_query = segment_query.where(SegmentRow.id.in_(only))
    segment_rows = session.scalars(
        segment_query.order_by(SegmentRow.start_s, SegmentRow.chunk_index, SegmentRow.position)
    )
    speaker_rows = list(
        session.scalars(select(SpeakerRow).where(SpeakerRow.session_id == session_id))
    )
    speaker_rows.sort(key=lambda r: (len(r.label), r.label))
    members = {
        member.id: member
        for member in session.scalars(
            select(MemberRow).where(MemberRow.id.in_([r.member_id for r in speaker_rows]))
        )
    }
    agenda_rows = session.scalars(
        select(AgendaItemRow)
        .where(AgendaItemRow.session_id == session_id, AgendaItemRow.start_s.is_not(None))
        .order_by(AgendaItemRow.start_s)
    )
    gap_rows = session.scalars(
        select(GapRow).where(GapRow.session_id == session_id).order_by(GapRow.start_s)
    )
    return DraftParts(
        session_id=row.id,
        assembly=row.assembly_slug,
        assembly_name=assembly.name if assembly else row.assembly_slug,
        title=row.title,
        date=row.date.isoformat(),
        duration_s=row.duration_s,
        languages=list(row.languages),
        serbian_script="cyrillic"
        if assembly and assembly.serbian_script == "cyrillic"
        else "latin",
        generator=row.generator,
        gaps=[MinutesGap(start=g.start_s, end=g.end_s, reason=g.reason) for g in gap_rows],
        agenda=[MinutesAgendaItem(start=a.start_s or 0.0, title=a.title) for a in agenda_rows],
        speakers=[_speaker_entry(r, members.get(r.member_id or "")) for r in speaker_rows],
        segments=[_segment_entry(r) for r in segment_rows],
    )


def _speaker_entry(row: SpeakerRow, member: MemberRow | None) -> MinutesSpeaker:
    if member is None:
        return MinutesSpeaker(id=row.label, name=row.guest_name)
    return MinutesSpeaker(id=row.label, member_id=member.id, name=member.name, party=member.party)


def _segment_entry(row: SegmentRow) -> MinutesSegment:
    return MinutesSegment(
        id=row.id,
        start=round(row.start_s, 3),
        end=round(row.end_s, 3),
        speaker=row.speaker_label,
        language=row.language,
        text=row.text.strip(),
        words=[
            MinutesWord(
                start=round(w["start"], 3),
                end=round(w["end"], 3),
                word=str(w["word"]).strip(),
                p=min(1.0, max(0.0, round(w["p"], 3))),
            )
            for w in row.words
        ],
        language_p=round(row.language_probability, 3),
        avg_logprob=round(row.avg_logprob, 3),
        no_speech_prob=round(row.no_speech_prob, 3),
        compression_ratio=round(row.compression_ratio, 3),
        # A reviewed segment has been checked; the transcriber's doubts no longer apply.
        low_confidence_words=[]
        if row.reviewed
        else [i for i, w in enumerate(row.words) if w.get("low", False)],
        # A reviewed segment's text is the reviewer's: the gap has been filled.
        flag=None if row.reviewed else segment_flag(row.flag),
        reviewed=row.reviewed,
    )


# -- published versions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """A frozen, published version of a session's minutes."""

    session_id: str
    assembly: str
    version: int
    sha256: str
    minutes_json: str
    published_by: str | None
    published_at: datetime


def next_version(*, session: Session, session_id: str) -> int:
    """The number the session's next published version will have (1, 2, …)."""
    latest = session.scalar(
        select(func.max(PublishedVersionRow.version)).where(
            PublishedVersionRow.session_id == session_id
        )
    )
    return (latest or 0) + 1


def save_published_version(
    *,
    session: Session,
    session_id: str,
    version: int,
    minutes_json: str,
    sha256: str,
    published_by: str | None,
    published_at: datetime | None = None,
) -> PublishedRecord:
    """Store a frozen version and mark the session published (earlier versions stay)."""
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no session {session_id}")
    version_row = PublishedVersionRow(
        session_id=session_id,
        version=version,
        sha256=sha256,
        minutes_json=minutes_json,
        published_by=published_by,
        published_at=published_at or datetime.now(UTC),
    )
    session.add(version_row)
    row.status = "published"
    session.flush()
    return _record(version_row, row.assembly_slug)


def _record(row: PublishedVersionRow, assembly: str) -> PublishedRecord:
    return PublishedRecord(
        session_id=row.session_id,
        assembly=assembly,
        version=row.version,
        sha256=row.sha256,
        minutes_json=row.minutes_json,
        published_by=row.published_by,
        published_at=_aware(row.published_at),
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_published_versions(*, session: Session, session_id: str) -> list[PublishedRecord]:
    """Every published version of a session, oldest first (empty for a draft)."""
    query = (
        select(PublishedVersionRow, SessionRow.assembly_slug)
        .join(SessionRow, SessionRow.id == PublishedVersionRow.session_id)
        .where(PublishedVersionRow.session_id == session_id)
        .order_by(PublishedVersionRow.version)
    )
    return [_record(row, assembly) for row, assembly in session.execute(query)]


def load_published(
    *, session: Session, session_id: str, version: int | None = None
) -> PublishedRecord:
    """One published version (the latest by default); a draft raises ``NotFoundError``."""
    versions = load_published_versions(session=session, session_id=session_id)
    chosen = [v for v in versions if version is None or v.version == version]
    if not chosen:
        raise NotFoundError(f"session {session_id} has no published version {version or ''}")
    return chosen[-1]


def latest_published(*, session: Session, assembly: str | None = None) -> list[PublishedRecord]:
    """The newest published version of every published session (of one assembly), newest first."""
    newest = (
        select(PublishedVersionRow.session_id, func.max(PublishedVersionRow.version).label("v"))
        .group_by(PublishedVersionRow.session_id)
        .subquery()
    )
    query = (
        select(PublishedVersionRow, SessionRow.assembly_slug)
        .join(
            newest,
            (newest.c.session_id == PublishedVersionRow.session_id)
            & (newest.c.v == PublishedVersionRow.version),
        )
        .join(SessionRow, SessionRow.id == PublishedVersionRow.session_id)
        .order_by(SessionRow.date.desc(), PublishedVersionRow.published_at.desc())
    )
    if assembly is not None:
        query = query.where(SessionRow.assembly_slug == assembly)
    return [_record(row, slug) for row, slug in session.execute(query)]


# -- agenda and materials before the session ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """An agenda item as citizens see it; ``start_s`` is known once the session was held."""

    title: str
    start_s: float | None
    published: bool


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    """A supporting document (PDF, DOCX) attached to a session, kept in the media store."""

    id: str
    session_id: str
    title: str
    filename: str
    sha256: str
    content_type: str
    size_bytes: int
    published: bool


def save_planned_agenda(
    *, session: Session, session_id: str, titles: list[str], user_id: str | None
) -> None:
    """Set the agenda of a session that has not been held yet (titles only, no times)."""
    before = [entry.title for entry in load_agenda(session=session, session_id=session_id)]
    after = [{"start": None, "title": " ".join(title.split())} for title in titles]
    save_revision(
        session=session,
        revision=Revision(
            session_id=session_id,
            action="set_agenda",
            user_id=user_id,
            created_at=datetime.now(UTC),
            segment_id=None,
            before={"agenda": [{"start": None, "title": title} for title in before]},
            after={"agenda": after},
        ),
    )


def load_agenda(
    *, session: Session, session_id: str, published_only: bool = False
) -> list[AgendaEntry]:
    """The session's agenda in order (only what was published, for the public)."""
    query = select(AgendaItemRow).where(AgendaItemRow.session_id == session_id)
    if published_only:
        query = query.where(AgendaItemRow.published.is_(True))
    rows = session.scalars(query.order_by(AgendaItemRow.position))
    return [AgendaEntry(row.title, row.start_s, row.published) for row in rows]


def add_material(
    *,
    session: Session,
    session_id: str,
    title: str,
    filename: str,
    sha256: str,
    content_type: str,
    size_bytes: int,
    user_id: str | None,
) -> MaterialRecord:
    """Attach a document already in the media store to a session (recorded as a revision)."""
    if session.get(SessionRow, session_id) is None:
        raise NotFoundError(f"no session {session_id}")
    row = MaterialRow(
        session_id=session_id,
        title=title,
        filename=filename,
        sha256=sha256,
        content_type=content_type,
        size_bytes=size_bytes,
    )
    session.add(row)
    session.flush()
    record = _material(row)
    save_revision(
        session=session,
        revision=Revision(
            session_id=session_id,
            action="attach_material",
            user_id=user_id,
            created_at=datetime.now(UTC),
            segment_id=None,
            after={"material": {"id": row.id, "title": title, "sha256": sha256}},
        ),
    )
    return record


def _material(row: MaterialRow) -> MaterialRecord:
    return MaterialRecord(
        id=row.id,
        session_id=row.session_id,
        title=row.title,
        filename=row.filename,
        sha256=row.sha256,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        published=row.published,
    )


def load_materials(
    *, session: Session, session_id: str, published_only: bool = False
) -> list[MaterialRecord]:
    """The session's materials in the order they were attached."""
    query = select(MaterialRow).where(MaterialRow.session_id == session_id)
    if published_only:
        query = query.where(MaterialRow.published.is_(True))
    return [_material(row) for row in session.scalars(query)]


def publish_agenda_and_materials(*, session: Session, session_id: str) -> int:
    """Make the session's agenda and materials public (also before it is held)."""
    agenda = session.execute(
        update(AgendaItemRow).where(AgendaItemRow.session_id == session_id).values(published=True)
    )
    materials = session.execute(
        update(MaterialRow).where(MaterialRow.session_id == session_id).values(published=True)
    )
    session.flush()
    return int(getattr(agenda, "rowcount", 0) or 0) + int(getattr(materials, "rowcount", 0) or 0)


# -- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A journalist's endpoint notified of new publications, with the secret that signs them."""

    id: str
    assembly: str | None
    url: str
    secret: str


def register_webhook(*, session: Session, url: str, assembly: str | None) -> WebhookRecord:
    """Register ``url`` for an assembly's publications (all assemblies when ``None``).

    The secret is generated here and shown once to the caller, who checks each delivery's
    ``X-Kuvend-Signature`` with it.
    """
    if assembly is not None and session.get(AssemblyRow, assembly) is None:
        raise NotFoundError(f"no assembly {assembly}")
    row = WebhookRow(assembly_slug=assembly, url=url, secret=secrets.token_urlsafe(32))
    session.add(row)
    session.flush()
    return WebhookRecord(row.id, row.assembly_slug, row.url, row.secret)


def webhooks_for(*, session: Session, assembly: str) -> list[WebhookRecord]:
    """Active webhooks to notify of a publication in ``assembly``."""
    rows = session.scalars(
        select(WebhookRow).where(
            WebhookRow.active.is_(True),
            (WebhookRow.assembly_slug == assembly) | WebhookRow.assembly_slug.is_(None),
        )
    )
    return [WebhookRecord(row.id, row.assembly_slug, row.url, row.secret) for row in rows]


# -- what the public site shows ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicAssembly:
    """An assembly as the public site names it."""

    slug: str
    name: str


def public_assemblies(*, session: Session) -> list[PublicAssembly]:
    """Every assembly, by name (the site lists them even before their first publication)."""
    rows = session.scalars(select(AssemblyRow).order_by(AssemblyRow.name))
    return [PublicAssembly(row.slug, row.name) for row in rows]


@dataclass(frozen=True, slots=True)
class AnnouncedSession:
    """A session with no published minutes whose agenda or materials are public."""

    id: str
    title: str
    date: str


def announced_sessions(*, session: Session, assembly: str) -> list[AnnouncedSession]:
    """Sessions of ``assembly`` announced ahead: public agenda or materials, no minutes yet."""
    published = select(PublishedVersionRow.session_id)
    public_agenda = select(AgendaItemRow.session_id).where(AgendaItemRow.published.is_(True))
    public_material = select(MaterialRow.session_id).where(MaterialRow.published.is_(True))
    rows = session.scalars(
        select(SessionRow)
        .where(
            SessionRow.assembly_slug == assembly,
            SessionRow.id.not_in(published),
            SessionRow.id.in_(public_agenda) | SessionRow.id.in_(public_material),
        )
        .order_by(SessionRow.date)
    )
    return [AnnouncedSession(row.id, row.title, row.date.isoformat()) for row in rows]
