"""SQLAlchemy tables: the same models on SQLite (embedded) and PostgreSQL (at scale).

Change a table here, then regenerate the migration with ``scripts/make-migration``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    """A fresh random identifier (UUID4 hex), used for every table's string key."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time with its zone: SQLite gives back naive datetimes, written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class AssemblyRow(Base):
    __tablename__ = "assemblies"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_sr: Mapped[str | None] = mapped_column(String(200))
    """The assembly's name in Serbian, shown on Serbian pages; NULL: ``name`` there too."""
    languages: Mapped[list[Any]] = mapped_column(default=lambda: ["sq", "sr"])
    serbian_script: Mapped[str] = mapped_column(String(10), default="latin")
    vocabulary: Mapped[list[Any]] = mapped_column(default=list)
    learn_voiceprints: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MemberRow(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_slug: Mapped[str] = mapped_column(ForeignKey("assemblies.slug"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    voiceprint: Mapped[bytes | None] = mapped_column(LargeBinary)
    """float32 little-endian, L2-normalised."""
    voiceprint_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    voiceprint_encoder: Mapped[str | None] = mapped_column(String(40))
    """The embedding space of ``voiceprint`` (a diarizer's ``voice_space``); NULL: unknown."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_slug: Mapped[str] = mapped_column(ForeignKey("assemblies.slug"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    """scheduled, recording, stopping, queued, processing, draft, published, failed."""
    languages: Mapped[list[Any]] = mapped_column(default=lambda: ["sq", "sr"])
    media_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    media_path: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    generator: Mapped[str | None] = mapped_column(Text)
    media_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What ingest asked (audio stream, accept truncated) and found (streams, truncation)."""
    owner_host: Mapped[str | None] = mapped_column(String(255))
    """Host name of the process working on the session (``kuvend process``), for recovery."""
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the owner last said it was alive."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ChunkRow(Base):
    __tablename__ = "chunks"
    __table_args__ = (UniqueConstraint("session_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    offset_s: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    path: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    """queued, running, done, failed."""
    stage: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class GapRow(Base):
    __tablename__ = "gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)


class SpeakerRow(Base):
    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("session_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"))
    guest_name: Mapped[str | None] = mapped_column(String(200))
    """A speaker named by a reviewer who is not a member (``member_id`` is then null)."""
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    """Speech behind the centroid, so that centroids from later chunks can be weighed in."""
    voice_space: Mapped[str | None] = mapped_column(String(40))
    """The encoder that measured ``centroid`` (a diarizer's ``voice_space``); NULL: a session
    processed before this was recorded."""


class SegmentRow(Base):
    __tablename__ = "segments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    chunk_index: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    speaker_label: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    language_probability: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str] = mapped_column(Text)
    text_other_script: Mapped[str | None] = mapped_column(Text)
    words: Mapped[list[Any]] = mapped_column(default=list)
    avg_logprob: Mapped[float] = mapped_column(Float, default=0.0)
    no_speech_prob: Mapped[float] = mapped_column(Float, default=0.0)
    compression_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    flag: Mapped[str | None] = mapped_column(String(20), default=None)
    """Why the transcriber could not give trustworthy text (see ``kuvend.types.SegmentFlag``)."""
    overlap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Two or more people spoke at once during part of it (``kuvend.domain.Segment.overlap``)."""
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Touched by a reviewer: re-running recognition never replaces it."""
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    """Replaced by a split or merge; kept for the revision history."""
    revision_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The revision that wrote this row (the segment's version); None: recognition did."""


class RevisionRow(Base):
    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    segment_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublishedVersionRow(Base):
    __tablename__ = "published_versions"
    __table_args__ = (UniqueConstraint("session_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    minutes_json: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str | None] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgendaItemRow(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_s: Mapped[float | None] = mapped_column(Float)
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False)


class SecondVoiceRow(Base):
    """A stretch of a session where a second person spoke over the turn's speaker: segments
    keep one speaker each, so who else was heard is kept here (minutes.json ``overlaps``)."""

    __tablename__ = "second_voices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    speaker_label: Mapped[str] = mapped_column(String(20))


class MaterialRow(Base):
    __tablename__ = "materials"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300), default="")
    """The name it was uploaded under (shown for download; never used as a path)."""
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_slug: Mapped[str | None] = mapped_column(ForeignKey("assemblies.slug"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20), default="secretariat")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_slug: Mapped[str | None] = mapped_column(ForeignKey("assemblies.slug"))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArtifactRow(Base):
    """A stage's result, keyed by what made it, so that a redelivered task finds it done."""

    __tablename__ = "artifacts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    session_id: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
