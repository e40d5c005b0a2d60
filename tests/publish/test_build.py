"""build_minutes: the minutes.json contract, stable ids and speaking-time figures."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kuvend.minutes import Minutes
from publish import build_minutes
from tests.publish.factories import SEGMENTS, SESSION, SPEAKERS, sample_minutes, segment


def test_minutes_round_trip_through_the_contract() -> None:
    minutes = sample_minutes()
    parsed = Minutes.model_validate_json(minutes.to_json())
    assert parsed == minutes
    data = json.loads(minutes.to_json())
    assert data["session"]["status"] == "draft"
    assert data["session"]["languages"] == ["sq", "sr"]
    assert [s["id"] for s in data["speakers"]] == ["S1", "S2", "S3"]
    assert data["speakers"][0]["name"] == "Ana Kelmendi"
    assert data["speakers"][0]["party"] == "LDK"
    assert data["speakers"][2]["member_id"] is None
    assert data["session"]["gaps"] == [{"start": 40.0, "end": 42.0, "reason": "stream dropped"}]


def test_statistics_are_the_known_durations() -> None:
    by_id = {speaker.id: speaker for speaker in sample_minutes().speakers}
    # S1: 6.5 + 4.5 + 9.8 s in two turns; the second turn spans 15.5 → 30.0.
    assert by_id["S1"].speaking_time_s == pytest.approx(20.8)
    assert by_id["S1"].turns == 2
    assert by_id["S1"].longest_turn_s == pytest.approx(14.5)
    assert by_id["S1"].languages == {"sq": pytest.approx(20.8)}
    assert by_id["S2"].speaking_time_s == pytest.approx(15.25)
    assert by_id["S2"].turns == 2
    assert by_id["S2"].languages == {"sr": pytest.approx(15.25)}
    assert by_id["S3"].turns == 1


def test_segment_ids_are_stable_and_unique() -> None:
    first, second = sample_minutes(), sample_minutes()
    ids = [s.id for s in first.segments]
    assert ids == [s.id for s in second.segments]
    assert len(set(ids)) == len(ids)
    other = build_minutes(
        replace(SESSION, id="another"), SEGMENTS, speakers=SPEAKERS, duration_s=52.0
    )
    assert not set(ids) & {s.id for s in other.segments}


def test_times_are_rounded_to_milliseconds_and_sorted() -> None:
    minutes = build_minutes(
        SESSION,
        [segment(5.123456, 7.98765, "S2", "dy"), segment(1.0000004, 2.5, "S1", "një")],
        speakers=SPEAKERS,
        duration_s=10.00049,
    )
    assert [s.start for s in minutes.segments] == [1.0, 5.123]
    assert minutes.segments[1].end == 7.988
    assert minutes.session.duration_s == 10.0
    assert all(round(w.start, 3) == w.start for s in minutes.segments for w in s.words)


def test_unknown_labels_on_segments_are_listed_unnamed() -> None:
    minutes = build_minutes(
        SESSION, [segment(0, 1, "S9", "po")], speakers={"S1": None}, duration_s=1.0
    )
    assert [(s.id, s.turns) for s in minutes.speakers] == [("S1", 0), ("S9", 1)]


def test_empty_session_has_no_speakers_figures() -> None:
    minutes = build_minutes(SESSION, [], speakers={}, duration_s=3.0)
    assert minutes.segments == []
    assert minutes.speakers == []


def test_doubtful_words_are_listed_for_review() -> None:
    minutes = build_minutes(
        SESSION, [segment(0, 3, "S1", "Kuvendi i KOMUNES sot")], speakers=SPEAKERS, duration_s=3
    )
    assert minutes.segments[0].low_confidence_words == [2]
