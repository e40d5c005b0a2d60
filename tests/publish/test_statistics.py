"""Speaking-time statistics: per speaker, member, party and language, across sessions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kuvend.domain import Gap
from kuvend.minutes import Minutes
from publish import build_minutes
from publish.revisions import assign_turn, name_speaker
from publish.statistics import (
    language_statistics,
    member_statistics,
    party_statistics,
    speaker_statistics,
    timeline,
    with_statistics,
)
from tests.publish.factories import (
    DRITA,
    MARKO,
    SEGMENTS,
    SESSION,
    SPEAKERS,
    sample_minutes,
    segment,
)


def _second_session() -> Minutes:
    return build_minutes(
        replace(SESSION, id="prishtina-2024-04-11"),
        [
            segment(0.0, 30.0, "S1", "Marko flet gjatë në shqip.", "sq"),
            segment(31.0, 41.0, "S2", "Ana odgovara kratko.", "sr"),
        ],
        speakers={"S1": MARKO, "S2": SPEAKERS["S1"]},
        duration_s=41.0,
    )


def test_timeline_is_the_turns_in_order() -> None:
    turns = timeline(sample_minutes().segments)
    assert [(t.speaker, t.start_s, t.end_s) for t in turns] == [
        ("S1", 0.0, 6.5),
        ("S2", 7.0, 15.25),
        ("S1", 15.5, 30.0),
        ("S3", 30.5, 38.0),
        ("S2", 43.0, 50.0),
    ]
    assert turns[2].speaking_time_s == pytest.approx(14.3)


def test_segments_without_a_speaker_count_for_nobody() -> None:
    figures = speaker_statistics(
        sample_minutes(segment(0, 4, None, "zhurmë"), segment(4, 6, "S1", "po")).segments
    )
    assert list(figures) == ["S1"]
    assert figures["S1"].speaking_time_s == 2.0


def test_member_party_and_language_totals_across_sessions() -> None:
    sessions = [sample_minutes(), _second_session()]
    members = {m.key: m for m in member_statistics(sessions)}
    assert members["m-marko"].speaking_time_s == pytest.approx(15.25 + 30.0)
    assert members["m-marko"].turns == 3
    assert members["m-marko"].longest_turn_s == pytest.approx(30.0)
    assert members["m-marko"].sessions == 2
    assert members["m-marko"].languages == {"sr": pytest.approx(15.25), "sq": pytest.approx(30)}
    assert members["m-ana"].speaking_time_s == pytest.approx(20.8 + 10.0)
    # The unnamed S3 belongs to no member and no party.
    assert set(members) == {"m-marko", "m-ana"}
    parties = {p.key: p.speaking_time_s for p in party_statistics(sessions)}
    assert parties == {"Srpska lista": pytest.approx(45.25), "LDK": pytest.approx(30.8)}
    languages = {g.key: g.speaking_time_s for g in language_statistics(sessions)}
    assert languages == {"sq": pytest.approx(20.8 + 7.5 + 30), "sr": pytest.approx(25.25)}
    total = sum(s.end_s - s.start_s for s in SEGMENTS) + 40.0
    assert sum(languages.values()) == pytest.approx(total)


def test_figures_follow_speaker_corrections() -> None:
    draft = sample_minutes()
    named = name_speaker(draft, "S3", DRITA, user_id="u1").minutes
    assert {p.key for p in party_statistics([named])} == {"LDK", "Srpska lista", "VV"}
    moved = assign_turn(named, named.segments[4].id, member=MARKO, user_id="u1").minutes
    parties = {p.key: p.speaking_time_s for p in party_statistics([moved])}
    assert "VV" not in parties
    assert parties["Srpska lista"] == pytest.approx(15.25 + 7.5)


def test_stale_figures_are_recomputed() -> None:
    draft = sample_minutes()
    stale = draft.model_copy(
        update={
            "speakers": [s.model_copy(update={"speaking_time_s": 999.0}) for s in draft.speakers]
        }
    )
    assert with_statistics(stale) == draft
    assert member_statistics([stale])[0].speaking_time_s < 999.0


def test_a_gap_in_the_recording_ends_a_turn_and_is_not_counted() -> None:
    # A transport stream's clock jumped 600 s between two sentences of one speaker.
    with_gap = replace(SESSION, gaps=(Gap(12.0, 612.0, "timestamps"),))
    minutes = build_minutes(
        with_gap,
        [
            segment(0.0, 10.0, "S1", "Para kërcimit.", "sq"),
            segment(612.5, 620.0, "S1", "Pas kërcimit.", "sq"),
        ],
        speakers={"S1": MARKO},
        duration_s=620.0,
    )
    (speaker,) = minutes.speakers
    assert speaker.speaking_time_s == pytest.approx(17.5)
    assert speaker.turns == 2
    assert speaker.longest_turn_s == pytest.approx(10.0)  # not 620 s across the gap
    assert [gap.end - gap.start for gap in minutes.session.gaps] == [600.0]


def test_a_stretch_two_of_one_speaker_s_segments_cover_counts_once() -> None:
    # A flagged loop read over 8-21 s, and the pieces re-read inside it (seen on
    # shared/cases/webm-without-duration: 25.7 s of speaking time in a 21.5 s recording).
    figures = speaker_statistics(
        sample_minutes(
            segment(8.0, 21.0, "S1", "", "sr"),
            segment(9.0, 11.0, "S1", "Dobar dan.", "sr"),
            segment(12.0, 14.0, "S1", "Hvala.", "sr"),
            segment(20.0, 22.0, "S1", "Izvolite.", "sr"),
            segment(10.0, 12.5, "S2", "Da.", "sr"),  # someone else, over S1: theirs too
        ).segments
    )
    assert figures["S1"].speaking_time_s == pytest.approx(14.0)  # 8-22 s
    assert figures["S1"].languages == {"sr": pytest.approx(14.0)}
    assert figures["S2"].speaking_time_s == pytest.approx(2.5)
    turns = timeline(
        sample_minutes(segment(8.0, 21.0, "S1", ""), segment(9.0, 11.0, "S1", "Da.")).segments
    )
    assert turns[0].speaking_time_s == pytest.approx(13.0)
