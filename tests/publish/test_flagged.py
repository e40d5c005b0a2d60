"""Speech the transcriber could not trust: kept in the minutes, counted, shown as a gap to fill."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from lxml import html as lxml_html

from publish import render_session_page, write_exports
from tests.publish.factories import sample_minutes, segment

LOOPED = replace(segment(16.0, 21.0, "S1", "", "sq"), words=(), flag="loop")


def test_a_flagged_segment_is_in_the_json_with_its_speaker_and_times(tmp_path: Path) -> None:
    minutes = sample_minutes(segment(0.0, 6.0, "S1", "Mirëdita."), LOOPED)
    write_exports(minutes, tmp_path)

    data = json.loads((tmp_path / "minutes.json").read_text("utf-8"))
    flagged = [s for s in data["segments"] if s.get("flag")]
    assert [(s["start"], s["end"], s["speaker"], s["flag"]) for s in flagged] == [
        (16.0, 21.0, "S1", "loop")
    ]
    assert [s["flag"] for s in data["segments"] if s is not flagged[0]] == [None]


def test_flagged_speech_counts_as_speaking_time() -> None:
    minutes = sample_minutes(segment(0.0, 6.0, "S1", "Mirëdita."), LOOPED)
    [ana] = [s for s in minutes.speakers if s.id == "S1"]
    assert ana.speaking_time_s == 11.0


def test_the_page_shows_a_gap_to_fill_in_every_interface_language(tmp_path: Path) -> None:
    minutes = sample_minutes(segment(0.0, 6.0, "S1", "Mirëdita."), LOOPED)
    for language, words in (("en", "to be filled in"), ("sq", "për t'u plotësuar")):
        page = render_session_page(
            minutes, tmp_path / language, media_url=None, ui_language=language
        )
        tree = lxml_html.fromstring(page.read_text("utf-8"))
        [note] = tree.xpath("//span[contains(@class,'flagged')]")
        assert note.get("role") == "note"
        assert "5 s" in note.text_content() and words in note.text_content()
