"""What a reviewer asks of a session's draft: the review changes, one small record each.

The API (``search_api``) builds them from requests; the orchestration (``workers/``) applies
each to the stored draft with ``publish.revisions``' pure functions, as one revision (who, when,
before, after) saved by ``kuvend.storage.revisions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EditText:
    """Correct a segment's text."""

    segment_id: str
    text: str


@dataclass(frozen=True, slots=True)
class MoveBoundary:
    """Move the boundary between a segment and the next one to ``to_s`` (session seconds)."""

    segment_id: str
    to_s: float


@dataclass(frozen=True, slots=True)
class SplitSegment:
    """Split a segment in two at ``at_s``."""

    segment_id: str
    at_s: float


@dataclass(frozen=True, slots=True)
class MergeSegments:
    """Merge two consecutive segments."""

    first_id: str
    second_id: str


@dataclass(frozen=True, slots=True)
class AssignTurn:
    """Give the turn containing a segment to a member or to an existing speaker label."""

    segment_id: str
    member_id: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class NameSpeaker:
    """Name a speaker label for the whole session: a member, or a guest by ``name`` (neither:
    unnamed)."""

    label: str
    member_id: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SetAgenda:
    """Replace the agenda: (start seconds, title) per item, in order."""

    items: tuple[tuple[float, str], ...]


ReviewChange = (
    EditText | MoveBoundary | SplitSegment | MergeSegments | AssignTurn | NameSpeaker | SetAgenda
)


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """One reviewer's change to one session's draft.

    ``expected``: segment id -> the version the reviewer edited (``segment_versions``); when
    given, the change is refused if one of them changed meanwhile.
    """

    session_id: str
    user_id: str
    change: ReviewChange
    expected: Mapping[str, int] | None = None
