"""The secretariat's actions on this machine's pipeline, for the API (``SessionActions``).

The API (``search_api``) is a stage and knows no other stage; what its secretariat endpoints
change is done here, by orchestration: review changes are ``publish.revisions``' pure functions
applied to the stored draft, publishing is the publish step, and stopping a recording goes
through the database as ``kuvend stop`` does.
"""

from __future__ import annotations

from kuvend.config import Settings
from kuvend.domain import Member
from kuvend.errors import ConflictError, NotFoundError
from kuvend.minutes import Minutes
from kuvend.storage import repository
from kuvend.storage.db import session_scope
from publish import revisions
from publish.review import apply_change
from publish.revisions import Revised
from search_api.actions import (
    AssignTurn,
    EditText,
    MergeSegments,
    MoveBoundary,
    NameSpeaker,
    ReviewChange,
    SetAgenda,
    SplitSegment,
)
from workers.steps import publish_step


class PipelineActions:
    """The secretariat's ``SessionActions`` on this machine's pipeline.

    Review changes are ``publish.revisions``' pure functions applied to the stored draft by
    ``publish.review.apply_change``; publishing is the workers' publish step (freeze, rebuild
    the site and its exports, webhooks) followed by indexing the published version; stopping
    a recording asks the running recorder through the database, as ``kuvend stop`` does.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def review(self, *, session_id: str, user_id: str, change: ReviewChange) -> None:
        with session_scope(self.settings.resolved_database_url) as db:
            assembly = repository.get_session(session=db, session_id=session_id).assembly_slug
            members = {m.id: m for m in repository.load_members(session=db, assembly=assembly)}
            apply_change(
                session=db,
                session_id=session_id,
                change=lambda draft: _revise(draft, change, members, user_id),
            )

    def publish(self, *, session_id: str, user_id: str) -> int:
        publication = publish_step(settings=self.settings, session_id=session_id, user_id=user_id)
        return publication.version

    def start_recording(self, *, session_id: str, stream_url: str) -> None:
        raise ConflictError(
            "the API cannot start a recorder yet: on the recording machine run "
            f"kuvend record {stream_url} --assembly SLUG --title TITLE"
        )

    def stop_recording(self, *, session_id: str) -> None:
        with session_scope(self.settings.resolved_database_url) as db:
            row = repository.get_session(session=db, session_id=session_id)
            if row.status != "recording":
                raise ConflictError(f"session {session_id} is not being recorded ({row.status})")
            repository.set_session_status(session=db, session_id=session_id, status="stopping")


def _revise(
    draft: Minutes, change: ReviewChange, members: dict[str, Member], user_id: str
) -> Revised:
    def member(member_id: str | None) -> Member | None:
        if member_id is None:
            return None
        if member_id not in members:
            raise NotFoundError(f"member {member_id} is not in assembly {draft.session.assembly}")
        return members[member_id]

    match change:
        case EditText(segment_id, text):
            return revisions.edit_text(draft, segment_id, text, user_id=user_id)
        case MoveBoundary(segment_id, to_s):
            return revisions.move_boundary(draft, segment_id, to_s, user_id=user_id)
        case SplitSegment(segment_id, at_s):
            return revisions.split_segment(draft, segment_id, at_s, user_id=user_id)
        case MergeSegments(first_id, second_id):
            return revisions.merge_segments(draft, first_id, second_id, user_id=user_id)
        case AssignTurn(segment_id, member_id, label):
            return revisions.assign_turn(
                draft, segment_id, member=member(member_id), label=label, user_id=user_id
            )
        case NameSpeaker(label, member_id):
            return revisions.name_speaker(draft, label, member(member_id), user_id=user_id)
        case SetAgenda(items):
            return revisions.set_agenda(draft, items, user_id=user_id)
