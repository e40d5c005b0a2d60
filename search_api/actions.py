"""Secretariat operations that need a stage's logic, supplied by the orchestration.

``search_api`` is a stage and imports no other stage, yet publishing needs ``publish/`` (build
the minutes, write the exports and the page, index them) and recording needs ``ingest/``. The
API therefore receives an object with these methods from whoever starts it (``kuvend serve``
passes the one ``workers/`` provides). An API started without one answers those endpoints with
503 and says so; everything else (reading, searching, review edits, members) works on the
database alone.
"""

from __future__ import annotations

from typing import Protocol


class SessionActions(Protocol):
    """What the secretariat can ask the pipeline to do with a session."""

    def publish(self, *, session_id: str, user_id: str) -> int:
        """Freeze the session's current minutes as a new published version; returns its number.

        Also writes the exports (``site_dir/{assembly}/{session_id}/minutes.*``) and the page,
        and indexes the published version.
        """
        ...

    def start_recording(self, *, session_id: str, stream_url: str) -> None:
        """Start recording ``stream_url`` into the session, processing chunks as they close."""
        ...

    def stop_recording(self, *, session_id: str) -> None:
        """Stop the session's recording; processing of the recorded audio finishes."""
        ...
