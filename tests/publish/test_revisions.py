"""The revision rules as pure functions: every change is a revision, nothing changes in place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kuvend.errors import ConflictError, NotFoundError
from kuvend.minutes import Minutes
from publish.revisions import (
    assign_turn,
    edit_text,
    merge_recognition,
    merge_segments,
    move_boundary,
    name_speaker,
    set_agenda,
    split_segment,
)
from publish.versions import freeze
from tests.publish.factories import DRITA, MARKO, sample_minutes

WHEN = datetime(2024, 3, 15, 9, 30, tzinfo=UTC)


def _by_id(minutes: Minutes) -> dict[str, float]:
    return {s.id: s.speaking_time_s for s in minutes.speakers}


def test_edit_creates_a_revision_and_keeps_matching_word_times() -> None:
    draft = sample_minutes()
    old = draft.segments[0]  # "Mirëdita, e hap seancën e Kuvendit Komunal."
    revised = edit_text(
        draft, old.id, "Mirëdita, e hapi seancën e Kuvendit Komunal të Prishtinës.", user_id="u1",
        at=WHEN,
    )  # fmt: skip
    revision = revised.revision
    assert (revision.action, revision.user_id, revision.created_at) == ("edit_text", "u1", WHEN)
    assert revision.before["segments"][0]["text"] == old.text
    new = revised.minutes.segments[0]
    assert revision.after["segments"][0]["id"] == new.id == old.id  # the id is kept
    assert new.reviewed and not old.reviewed
    # The draft given in is untouched (frozen models, a new minutes object comes back).
    assert draft.segments[0] == old
    # Matching words keep their recognised times and probability.
    kept = {w.word: (w.start, w.end, w.p) for w in old.words}
    for word in new.words:
        if word.word in {"Mirëdita,", "seancën", "Kuvendit"}:
            assert (word.start, word.end, word.p) == kept[word.word]
    # The corrected word takes the time of the misheard one; typed words sit inside the segment.
    assert [w.word for w in new.words] == new.text.split()
    hapi = new.words[2]
    assert (hapi.start, hapi.end, hapi.p) == (old.words[2].start, old.words[2].end, 1.0)
    assert all(old.start <= w.start <= w.end <= old.end for w in new.words)


def test_split_creates_a_revision_with_two_halves() -> None:
    draft = sample_minutes()
    old = draft.segments[3]  # S1, 20.2 → 30.0, 8 words
    revised = split_segment(draft, old.id, 25.0, user_id="u1")
    assert revised.revision.action == "split"
    assert [s["id"] for s in revised.revision.before["segments"]] == [old.id]
    left, right = (revised.minutes.segments[i] for i in (3, 4))
    assert (left.start, left.end, right.start, right.end) == (20.2, 25.0, 25.0, 30.0)
    assert f"{left.text} {right.text}" == old.text
    assert left.words + right.words == old.words
    assert len(revised.minutes.segments) == len(draft.segments) + 1


def test_merge_creates_a_revision_and_joins_text() -> None:
    draft = sample_minutes()
    first, second = draft.segments[2], draft.segments[3]
    revised = merge_segments(draft, first.id, second.id, user_id="u2")
    assert revised.revision.action == "merge"
    assert len(revised.revision.before["segments"]) == 2
    merged = revised.minutes.segments[2]
    assert (merged.start, merged.end) == (first.start, second.end)
    assert merged.text == f"{first.text} {second.text}"
    with pytest.raises(ConflictError):
        merge_segments(draft, draft.segments[0].id, draft.segments[2].id, user_id="u2")


def test_move_boundary_moves_words_between_segments() -> None:
    draft = sample_minutes()
    first, second = draft.segments[2], draft.segments[3]
    revised = move_boundary(draft, first.id, 22.0, user_id="u1")
    new_first, new_second = revised.minutes.segments[2], revised.minutes.segments[3]
    assert (new_first.end, new_second.start) == (22.0, 22.0)
    moved = [w for w in second.words if (w.start + w.end) / 2 < 22.0]
    assert moved and new_first.words[-len(moved) :] == moved
    assert new_first.text.endswith(moved[-1].word)
    assert revised.revision.action == "move_boundary"


def test_speaker_assignment_moves_the_statistics() -> None:
    draft = sample_minutes()
    # S3's turn (7.5 s) actually was Marko (S2).
    s3_segment = draft.segments[4]
    revised = assign_turn(draft, s3_segment.id, member=MARKO, user_id="u1")
    assert revised.revision.action == "assign_turn"
    before, after = _by_id(draft), _by_id(revised.minutes)
    assert after["S2"] == pytest.approx(before["S2"] + 7.5)
    assert after["S3"] == 0.0
    s2 = next(s for s in revised.minutes.speakers if s.id == "S2")
    # S3's old turn (30.5-38.0) is S2's third: the recording's gap at 40-42 keeps it apart
    # from S2's last segment, and the longest is the first (7.0-15.25).
    assert (s2.turns, s2.longest_turn_s) == (3, 8.25)
    # A member without a label in the session gets a new one.
    drita = assign_turn(revised.minutes, revised.minutes.segments[0].id, member=DRITA, user_id="u1")
    new_speaker = drita.minutes.speakers[-1]
    assert (new_speaker.id, new_speaker.name, new_speaker.party) == ("S4", "Drita Berisha", "VV")
    assert new_speaker.speaking_time_s == pytest.approx(6.5)


def test_naming_the_whole_speaker() -> None:
    draft = sample_minutes()
    revised = name_speaker(draft, "S3", DRITA, user_id="u1")
    s3 = next(s for s in revised.minutes.speakers if s.id == "S3")
    assert (s3.member_id, s3.name, s3.party) == ("m-drita", "Drita Berisha", "VV")
    assert revised.revision.before["speaker"]["name"] is None
    assert revised.revision.after["speaker"]["name"] == "Drita Berisha"
    with pytest.raises(NotFoundError):
        name_speaker(draft, "S7", DRITA, user_id="u1")


def test_agenda_items_are_revisions() -> None:
    revised = set_agenda(sample_minutes(), [(15.5, "Buxheti 2025"), (0.0, "Hapja")], user_id="u1")
    assert [(a.start, a.title) for a in revised.minutes.session.agenda] == [
        (0.0, "Hapja"),
        (15.5, "Buxheti 2025"),
    ]
    assert revised.revision.before == {"agenda": []}


def test_published_minutes_are_frozen() -> None:
    published = freeze(sample_minutes(), version=1).minutes
    with pytest.raises(ConflictError, match="frozen"):
        edit_text(published, published.segments[0].id, "x", user_id="u1")


def test_recognition_never_changes_a_reviewed_segment() -> None:
    draft = sample_minutes()
    edited = edit_text(draft, draft.segments[1].id, "Hvala, predsedavajuća.", user_id="u1").minutes
    reviewed = edited.segments[1]
    # Recognition runs again and produces different text and times everywhere.
    rerun = sample_minutes().segments
    rerun = [s.model_copy(update={"text": s.text.upper(), "start": s.start + 0.1}) for s in rerun]
    merged = merge_recognition(edited.segments, rerun)
    assert merged[1].model_dump_json() == reviewed.model_dump_json()
    assert merged[0].text == rerun[0].text  # unreviewed ones take the new recognition
    assert len(merged) == len(rerun)
