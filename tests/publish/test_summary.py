"""Summaries per agenda item: who spoke, how long, and extracted key sentences."""

from __future__ import annotations

import pytest

from publish.revisions import set_agenda
from publish.summary import key_sentences, summarise
from tests.publish.factories import sample_minutes, segment


def test_one_summary_per_agenda_item_with_speaking_time() -> None:
    minutes = set_agenda(sample_minutes(), [(0.0, "Hapja"), (30.0, "Rrugët")], user_id=None).minutes
    opening, roads = summarise(minutes)
    assert (opening.title, opening.start_s, opening.end_s) == ("Hapja", 0.0, 30.0)
    assert [(s.speaker, s.speaking_time_s) for s in opening.speakers] == [
        ("S1", pytest.approx(20.8)),
        ("S2", pytest.approx(8.25)),
    ]
    assert [s.speaker for s in roads.speakers] == ["S3", "S2"]


def test_key_sentences_are_the_ones_about_the_recurring_subject() -> None:
    segments = [
        segment(0, 5, "S1", "Mirëdita të gjithëve. Sot flasim për buxhetin e komunës."),
        segment(5, 9, "S2", "Buxheti i komunës për shkollat është i vogël."),
        segment(9, 12, "S1", "Ju lutem heshtje në sallë tani."),
        segment(12, 16, "S3", "Propozoj që buxheti i komunës të rritet për shkollat."),
    ]
    chosen = key_sentences(sample_minutes(*segments).segments, count=2)
    assert [s.text for s in chosen] == [
        "Buxheti i komunës për shkollat është i vogël.",
        "Propozoj që buxheti i komunës të rritet për shkollat.",
    ]
    assert [s.start_s for s in chosen] == [5, 12]


def test_session_without_agenda_is_one_section() -> None:
    (whole,) = summarise(sample_minutes())
    assert whole.title == sample_minutes().session.title
    assert len(whole.sentences) == 3
