"""Uploads, processing progress, voiceprints and live captions."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UploadAccepted(BaseModel):
    session_id: str
    status: str = Field(description="queued: processing starts when a worker is free")
    progress_url: str = Field(description="Where to follow the processing (also in Location)")
    sha256: str = Field(description="The original is kept under this hash")
    duration_s: float
    already_stored: bool = Field(description="The same file had been uploaded before")


class ChunkProgressPublic(BaseModel):
    index: int
    state: str = Field(description="queued, running, done or failed")
    stage: str | None = Field(description="transcribe or diarize while running")
    attempts: int = Field(description="Attempts at the current stage (redeliveries count)")
    error: str | None


class ProgressPublic(BaseModel):
    session_id: str
    status: str = Field(
        description="scheduled, recording, stopping, queued, processing, draft, published or failed"
    )
    error: str | None = Field(description="Why the session failed, in one line")
    finished: bool = Field(description="Nothing changes any more without someone acting")
    chunks_done: int
    chunk_count: int
    chunks: list[ChunkProgressPublic]


class VoiceprintEnrolled(BaseModel):
    member_id: str
    speech_s: float = Field(description="Seconds of speech the voiceprint was made from")


class LiveWordPublic(BaseModel):
    start: float = Field(description="Seconds from the start of the session (approximate)")
    end: float
    language: str
    text: str


class CommittedEvent(BaseModel):
    """The data of each ``committed`` event: words appended to the streaming captions."""

    seq: int = Field(description="Number of committed words so far, these included")
    words: list[LiveWordPublic] = Field(description="Append these; they never change")


class TentativeEvent(BaseModel):
    """The data of each ``tentative`` event: the words after the committed ones that may still
    change (replace the previous tentative words with these; empty: none)."""

    after: int = Field(description="The committed word count these follow")
    words: list[LiveWordPublic]


class CaptionEvent(BaseModel):
    """The data of each ``caption`` event of the live stream (one recognised segment)."""

    id: str
    start: float = Field(description="Seconds from the start of the session")
    end: float
    speaker: str | None = Field(description="Speaker label (S1, S2 …), linked across chunks")
    language: str
    text: str
