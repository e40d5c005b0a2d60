"""One error hierarchy for the whole of Kuvend.

::

    KuvendError                    anything Kuvend raises on purpose; str() is one line for a user
    ├── ConfigError                a setting is missing or wrong (fix the environment, then rerun)
    ├── ModelError                 a model is missing or corrupt (the message says how to get it)
    ├── QueryError                 a search query cannot be parsed (HTTP 400)
    ├── NotFoundError              a session, member or file does not exist (HTTP 404)
    ├── PermissionDeniedError      the caller may not do this (HTTP 403)
    ├── ConflictError              the change contradicts the current state (HTTP 409)
    │   └── VersionConflictError  a segment changed since the version a reviewer edited
    ├── BackupError                a backup is damaged or cannot be restored here (nothing written)
    └── PipelineError              processing a session failed
        ├── MediaError             the input itself is bad: permanent, never retried
        └── TransientError         storage, network, a dropped stream: retried with backoff

Automatic retries (Celery, the recorder's reconnects) apply only to ``TransientError``.
A ``MediaError`` fails the same way every time, so retrying it only delays the report.
"""

from __future__ import annotations

from datetime import datetime


class KuvendError(Exception):
    """Base of every error Kuvend raises on purpose. Its message is one line for a user."""


class ConfigError(KuvendError):
    """A setting is missing or invalid."""


class ModelError(KuvendError):
    """A model is missing, incomplete or corrupt."""


class QueryError(KuvendError):
    """A search query is malformed.

    The message is English (the API's); ``key`` and ``fields`` let a page say the same in its
    own language (``query_error_{key}`` in the page catalogs, ``fields`` filled in).
    """

    def __init__(self, message: str, *, key: str = "invalid", **fields: object) -> None:
        super().__init__(message)
        self.key = key
        self.fields = fields


class NotFoundError(KuvendError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class PermissionDeniedError(KuvendError):
    """The caller is not allowed to do this."""


class ConflictError(KuvendError):
    """The request contradicts the current state (for example, editing a published version)."""


class VersionConflictError(ConflictError):
    """A segment changed since the version a reviewer edited: nothing was saved.

    ``user_email`` and ``changed_at`` (UTC) say who changed it and when, where known.
    """

    def __init__(self, segment_id: str, user_email: str | None, changed_at: datetime) -> None:
        when = changed_at.strftime("%Y-%m-%d %H:%M UTC")
        super().__init__(f"segment {segment_id} was changed by {user_email or '?'} at {when}")
        self.segment_id = segment_id
        self.user_email = user_email
        self.changed_at = changed_at


class BackupError(KuvendError):
    """A backup is incomplete or damaged, or its target is not empty; nothing was restored."""


class PipelineError(KuvendError):
    """Processing a session failed."""


class MediaError(PipelineError):
    """The input media is unusable: not media, empty, no audio, too long. Permanent."""


class TransientError(PipelineError):
    """A failure that may pass: storage, network, a dropped stream. Safe to retry."""
