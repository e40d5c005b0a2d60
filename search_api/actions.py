"""Secretariat operations that need a stage's logic, supplied by the orchestration.

``search_api`` is a stage and imports no other stage, yet reviewing needs ``publish/``'s
revision rules (a correction supersedes the old row and keeps word timings where the words
still match; split, merge, turns, agenda), publishing needs ``publish/`` (freeze a version,
rebuild the site and its exports, notify; announce a sitting's agenda and materials ahead),
recording and uploads need ``ingest/`` and the pipeline, and a member's voiceprint (from a
sample, or from a speaker of a session) needs ``diarize/``. The API therefore receives an
object with these methods from whoever starts it (``kuvend serve`` passes the one built on
``workers/``). An API started without one answers those endpoints with 503 and says so;
reading, searching, scheduling and the member register work on the database alone.

A review change is one of ``kuvend.review``'s records; the implementation applies it to the
stored draft as one revision (who, when, before, after).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kuvend.domain import PublishedVersion, UploadReceipt
from kuvend.minutes import Minutes
from kuvend.review import ReviewRequest


class SessionActions(Protocol):
    """What the secretariat can ask the pipeline to do with a session."""

    def review(self, request: ReviewRequest, *, index_now: bool = True) -> None:
        """Apply one change to the session's draft as a revision.

        The draft's search index follows before this returns, or, with ``index_now=False``
        (the browser editor's line-by-line saves), soon after on a background thread.
        ``request.expected`` is checked in the change's own transaction.

        Raises ``NotFoundError`` (unknown segment, speaker or member), ``ConflictError``
        (the change does not fit the draft, e.g. a split point outside the segment) or
        ``VersionConflictError`` (a segment of ``expected`` changed meanwhile; nothing saved).
        """
        ...

    def draft_minutes(self, *, session_id: str) -> Minutes:
        """The draft under review as minutes, speakers' statistics included.

        Raises ``NotFoundError`` for an unknown session.
        """
        ...

    def publish(
        self, *, session_id: str, user_id: str, site_url: str | None = None
    ) -> PublishedVersion:
        """Freeze the session's draft as a new published version: its number, and the flagged
        speech it publishes as gaps still to fill.

        ``site_url`` is the root of the absolute links written into the site (the feed) and
        sent to webhooks: the address the request came to, or the configured public one.

        Also rebuilds the site with the exports (``site_dir/{assembly}/{session_id}/minutes.*``)
        and indexes the published version.
        """
        ...

    def start_recording(self, *, session_id: str, stream_url: str) -> None:
        """Start recording ``stream_url`` into the session, processing chunks as they close."""
        ...

    def stop_recording(self, *, session_id: str) -> None:
        """Stop the session's recording; processing of the recorded audio finishes."""
        ...

    def process_upload(self, *, session_id: str, path: Path, filename: str) -> UploadReceipt:
        """Check a recording uploaded into a scheduled session, keep it, and start processing.

        ``path`` is the API's staged copy (the caller removes it afterwards); ``filename`` is
        the name the user gave, checked and kept as a label only, never used as a path.
        Raises ``MediaError`` (one line; nothing stored) for a file that is not usable media,
        ``ConflictError`` when the session is not waiting for its recording, and
        ``TransientError`` when the processing cannot be started (queue unreachable).
        Processing runs in the background: its progress is in the database.
        """
        ...

    def enrol_voice(self, *, member_id: str, path: Path, filename: str) -> float:
        """Make and store a member's voiceprint from a 10-60 s speech sample at ``path``.

        Returns the seconds of speech it was made from. Raises ``MediaError`` (one line) for a
        sample that is not audio or holds too little speech, ``NotFoundError`` for an unknown
        member. The voiceprint is in the space of the configured diarizer.
        """
        ...

    def announce(self, *, session_id: str, site_url: str | None = None) -> int:
        """Make the session's agenda and materials public, ahead of the sitting or after it.

        Returns how many agenda items and materials are public now. The assembly's page and
        the front door list the sitting with them when this returns (the site is rebuilt for
        this session). Raises ``NotFoundError`` for an unknown session.
        """
        ...

    def enrol_speaker(self, *, session_id: str, label: str) -> float:
        """Make (or refine) the voiceprint of the member speaker ``label`` is named as, from
        that speaker's voice in the session, whether or not the assembly learns from namings.

        Returns the seconds of the speaker's speech it was made from. Raises ``NotFoundError``
        (unknown session or speaker) or ``ConflictError`` (the speaker is not named as a
        member, or no voice was measured for it).
        """
        ...
