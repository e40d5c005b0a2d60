"""The secretariat's corrections, as pure functions from minutes to new minutes plus a revision.

Each change returns a :class:`Revised`: the corrected minutes (figures recomputed) and one
:class:`~kuvend.storage.revisions.Revision` saying who changed what, when, with the content
before and after. Nothing is changed in place: a corrected segment is a new segment with
``reviewed=True``; the one it replaces lives on in the revision (and, in the database, as a
superseded row). Ids are stable: an edit, a moved boundary or a new speaker keep the segment's
id, a split keeps it on the first part (the second gets an id derived from it), a merge keeps
the earlier segment's. Published minutes are frozen: revising them raises ``ConflictError``.

Segment changes record ``{"segments": [...]}`` before and after (the replaced and the new
segments, as the contract writes them); speaker changes ``{"speaker": {...}}``; agenda
changes ``{"agenda": [...]}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kuvend.domain import Member
from kuvend.errors import ConflictError, NotFoundError
from kuvend.minutes import Minutes, MinutesAgendaItem, MinutesSegment, MinutesSpeaker
from kuvend.storage.revisions import Revision, RevisionAction
from publish.statistics import timeline, with_statistics
from publish.words import realign_words, split_words, text_of


@dataclass(frozen=True, slots=True)
class Revised:
    """Minutes after one change, and the record of that change."""

    minutes: Minutes
    revision: Revision


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def derived_id(parents: Sequence[str], action: str, salt: str) -> str:
    """The id of a segment made by ``action`` from ``parents`` (20 hex characters)."""
    key = "|".join(parents) + f":{action}:{salt}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _dump(segments: Sequence[MinutesSegment]) -> list[dict[str, Any]]:
    return [segment.model_dump(mode="json") for segment in segments]


def _editable(minutes: Minutes) -> None:
    if minutes.session.status == "published":
        raise ConflictError(
            f"version {minutes.session.version} of {minutes.session.id} is published and frozen; "
            "correct the draft and publish a new version"
        )


def _find(minutes: Minutes, segment_id: str) -> int:
    for index, segment in enumerate(minutes.segments):
        if segment.id == segment_id:
            return index
    raise NotFoundError(f"segment {segment_id} is not in the draft of {minutes.session.id}")


def _replace_segments(
    minutes: Minutes,
    old: Sequence[MinutesSegment],
    new: Sequence[MinutesSegment],
    *,
    action: RevisionAction,
    user_id: str | None,
    at: datetime | None,
    speakers: list[MinutesSpeaker] | None = None,
) -> Revised:
    """Swap ``old`` segments for ``new`` ones and record it."""
    _editable(minutes)
    gone = {segment.id for segment in old}
    kept = [segment for segment in minutes.segments if segment.id not in gone]
    segments = sorted([*kept, *new], key=lambda segment: (segment.start, segment.end))
    update: dict[str, Any] = {"segments": segments}
    after: dict[str, Any] = {"segments": _dump(new)}
    if speakers is not None:
        update["speakers"] = speakers
        known = {speaker.id for speaker in minutes.speakers}
        # A label made for a member (a turn given to them) is stored with who they are.
        for speaker in speakers:
            if speaker.id not in known:
                after["speaker"] = speaker.model_dump(mode="json")
    revised = with_statistics(minutes.model_copy(update=update))
    revision = Revision(
        session_id=minutes.session.id,
        action=action,
        user_id=user_id,
        created_at=_now(at),
        segment_id=old[0].id if old else None,
        before={"segments": _dump(old)},
        after=after,
    )
    return Revised(revised, revision)


def edit_text(
    minutes: Minutes,
    segment_id: str,
    text: str,
    *,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Correct a segment's text; words that still match keep their times.

    Raises ``ConflictError`` for a text that is only white space: the segment would be empty.
    """
    old = minutes.segments[_find(minutes, segment_id)]
    clean = " ".join(text.split())
    if not clean:
        raise ConflictError(f"segment {segment_id} would have no text: write what was said")
    words = realign_words(old.words, clean, start=old.start, end=old.end)
    new = old.model_copy(
        update={
            "text": clean,
            "words": words,
            "low_confidence_words": [],
            "reviewed": True,
        }
    )
    return _replace_segments(minutes, [old], [new], action="edit_text", user_id=user_id, at=at)


def move_boundary(
    minutes: Minutes,
    segment_id: str,
    to_s: float,
    *,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Move the boundary between a segment and the one after it to ``to_s``.

    Words go to the side of their midpoint; a segment whose words changed is re-spelt from
    its words.
    """
    index = _find(minutes, segment_id)
    if index + 1 >= len(minutes.segments):
        raise ConflictError(f"segment {segment_id} is the last one: there is no boundary after it")
    first, second = minutes.segments[index], minutes.segments[index + 1]
    if not first.start < to_s < second.end:
        raise ConflictError(
            f"the boundary must stay between {first.start:.3f} s and {second.end:.3f} s"
        )
    left, right = split_words([*first.words, *second.words], to_s)
    new_first = _retimed(first, first.start, to_s, left, first.words)
    new_second = _retimed(second, to_s, second.end, right, second.words)
    return _replace_segments(
        minutes, [first, second], [new_first, new_second], action="move_boundary",
        user_id=user_id, at=at,
    )  # fmt: skip


def _retimed(
    segment: MinutesSegment,
    start: float,
    end: float,
    words: list[Any],
    had_words: Sequence[Any],
) -> MinutesSegment:
    text = text_of(words) if list(words) != list(had_words) else segment.text
    return segment.model_copy(
        update={
            "start": round(start, 3),
            "end": round(end, 3),
            "text": text,
            "words": words,
            "low_confidence_words": [],
            "reviewed": True,
        }
    )


def split_segment(
    minutes: Minutes,
    segment_id: str,
    at_s: float,
    *,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Split a segment in two at ``at_s`` (both halves keep the speaker and language).

    Raises ``ConflictError`` when ``at_s`` is not inside the segment or one part would have
    no text (no word on that side of ``at_s``).
    """
    old = minutes.segments[_find(minutes, segment_id)]
    if not old.start < at_s < old.end:
        raise ConflictError(f"{at_s:.3f} s is not inside segment {segment_id}")
    left_words, right_words = split_words(old.words, at_s)
    if old.words:
        left_text, right_text = text_of(left_words), text_of(right_words)
    else:
        left_text, right_text = _split_text_by_time(old, at_s)
    if not left_text.strip() or not right_text.strip():
        side = "before" if not left_text.strip() else "after"
        raise ConflictError(
            f"the part of segment {segment_id} {side} {at_s:.3f} s would have no text: "
            "split between two words"
        )
    halves = [
        old.model_copy(
            update={
                "id": old.id if half == "a" else derived_id([old.id], "split", f"{at_s:.3f}"),
                "start": start,
                "end": end,
                "text": text,
                "words": words,
                "low_confidence_words": [],
                "reviewed": True,
            }
        )
        for half, start, end, text, words in (
            ("a", old.start, round(at_s, 3), left_text, left_words),
            ("b", round(at_s, 3), old.end, right_text, right_words),
        )
    ]
    return _replace_segments(minutes, [old], halves, action="split", user_id=user_id, at=at)


def _split_text_by_time(segment: MinutesSegment, at_s: float) -> tuple[str, str]:
    # Without word times, cut the text at the space nearest the same fraction of its length.
    words = segment.text.split()
    fraction = (at_s - segment.start) / (segment.end - segment.start)
    cut = max(0, min(len(words), round(len(words) * fraction)))
    return " ".join(words[:cut]), " ".join(words[cut:])


def merge_segments(
    minutes: Minutes,
    first_id: str,
    second_id: str,
    *,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Merge two consecutive segments into one; it keeps the first one's speaker and language."""
    first_index, second_index = _find(minutes, first_id), _find(minutes, second_id)
    if second_index != first_index + 1:
        raise ConflictError("only two consecutive segments can be merged")
    first, second = minutes.segments[first_index], minutes.segments[second_index]
    merged = first.model_copy(
        update={
            "end": max(first.end, second.end),
            "overlap": first.overlap or second.overlap,
            "text": " ".join(part for part in (first.text, second.text) if part),
            "words": [*first.words, *second.words],
            "low_confidence_words": [],
            "reviewed": True,
        }
    )
    return _replace_segments(
        minutes, [first, second], [merged], action="merge", user_id=user_id, at=at
    )


def _speaker_for(minutes: Minutes, member: Member) -> tuple[str, list[MinutesSpeaker]]:
    """The label already naming ``member``, or a new label for them."""
    for speaker in minutes.speakers:
        if speaker.member_id == member.id:
            return speaker.id, list(minutes.speakers)
    numbers = [int(s.id[1:]) for s in minutes.speakers if s.id[:1] == "S" and s.id[1:].isdigit()]
    label = f"S{max(numbers, default=0) + 1}"
    entry = MinutesSpeaker(id=label, member_id=member.id, name=member.name, party=member.party)
    return label, [*minutes.speakers, entry]


def assign_turn(
    minutes: Minutes,
    segment_id: str,
    *,
    member: Member | None = None,
    label: str | None = None,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Give the whole turn containing a segment to a member (or to an existing speaker label).

    A member already named in the session keeps their label; otherwise a new label is made.
    Speaking-time figures follow at once.
    """
    if (member is None) == (label is None):
        raise ValueError("give either a member or a speaker label")
    _find(minutes, segment_id)
    speakers = list(minutes.speakers)
    if member is not None:
        label, speakers = _speaker_for(minutes, member)
    elif label not in {speaker.id for speaker in speakers}:
        raise NotFoundError(f"speaker {label} is not in the draft of {minutes.session.id}")
    turn = next(turn for turn in timeline(minutes.segments) if segment_id in turn.segment_ids)
    old = [segment for segment in minutes.segments if segment.id in turn.segment_ids]
    new = [
        segment.model_copy(
            update={
                "speaker": label,
                "reviewed": True,
            }
        )
        for segment in old
    ]
    return _replace_segments(
        minutes, old, new, action="assign_turn", user_id=user_id, at=at, speakers=speakers
    )


def name_speaker(
    minutes: Minutes,
    label: str,
    member: Member | None,
    *,
    guest: str | None = None,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Name a speaker label for the whole session: as ``member``, or as the ``guest`` of that
    name (not a member: no party, no member page); neither makes it unnamed."""
    _editable(minutes)
    speakers = list(minutes.speakers)
    index = next((i for i, entry in enumerate(speakers) if entry.id == label), None)
    if index is None:
        raise NotFoundError(f"speaker {label} is not in the draft of {minutes.session.id}")
    speaker = speakers[index]
    named = speaker.model_copy(
        update={
            "member_id": member.id if member else None,
            "name": member.name if member else guest,
            "party": member.party if member else None,
        }
    )
    speakers[index] = named
    revised = with_statistics(minutes.model_copy(update={"speakers": speakers}))
    revision = Revision(
        session_id=minutes.session.id,
        action="name_speaker",
        user_id=user_id,
        created_at=_now(at),
        segment_id=None,
        before={"speaker": speaker.model_dump(mode="json")},
        after={"speaker": named.model_dump(mode="json")},
    )
    return Revised(revised, revision)


def set_agenda(
    minutes: Minutes,
    items: Sequence[tuple[float, str]],
    *,
    user_id: str | None,
    at: datetime | None = None,
) -> Revised:
    """Replace the agenda items (start time, title) that divide the session into chapters."""
    _editable(minutes)
    agenda = [
        MinutesAgendaItem(start=round(start, 3), title=" ".join(title.split()))
        for start, title in sorted(items)
    ]
    session = minutes.session.model_copy(update={"agenda": agenda})
    revision = Revision(
        session_id=minutes.session.id,
        action="set_agenda",
        user_id=user_id,
        created_at=_now(at),
        segment_id=None,
        before={"agenda": [item.model_dump(mode="json") for item in minutes.session.agenda]},
        after={"agenda": [item.model_dump(mode="json") for item in agenda]},
    )
    return Revised(minutes.model_copy(update={"session": session}), revision)


def merge_recognition(
    existing: Sequence[MinutesSegment], recognised: Sequence[MinutesSegment]
) -> list[MinutesSegment]:
    """The segments to keep when recognition runs again over a reviewed draft.

    Reviewed segments are kept exactly as they are; a newly recognised segment overlapping a
    reviewed one is dropped (the reviewer's version wins); every other segment is the new one.
    """
    reviewed = [segment for segment in existing if segment.reviewed]
    fresh = [
        segment
        for segment in recognised
        if not any(segment.start < r.end and r.start < segment.end for r in reviewed)
    ]
    return sorted([*reviewed, *fresh], key=lambda segment: (segment.start, segment.end))
