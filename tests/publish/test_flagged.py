"""Speech the transcriber could not trust: kept in the minutes, counted, shown as a gap to fill."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import srt
import webvtt
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


def test_exports_write_a_flagged_segment_as_its_gap_never_its_best_effort_words(
    tmp_path: Path,
) -> None:
    # What the transcriber keeps of a stretch it could not trust: times and words a reviewer
    # can check, flagged; the subtitles and the text must say "to be filled in", not the words.
    garbled = replace(segment(16.0, 21.0, "S1", "Tömberuranö tarötö"), flag="not_language")
    serbian = replace(segment(22.0, 25.0, "S2", "Hvala hvala", "sr"), flag="loop")
    minutes = sample_minutes(segment(0.0, 6.0, "S1", "Mirëdita."), garbled, serbian)
    write_exports(minutes, tmp_path, formats=("json", "srt", "vtt", "txt"))

    cues = list(srt.parse((tmp_path / "minutes.srt").read_text("utf-8")))
    captions = webvtt.read(str(tmp_path / "minutes.vtt")).captions
    text = (tmp_path / "minutes.txt").read_text("utf-8")
    assert len(cues) == len(captions) == len(minutes.segments) == 3
    assert "për t'u plotësuar" in cues[1].content and "5 s" in cues[1].content
    assert "treba dopuniti" in captions[2].text and "3 s" in captions[2].text
    for exported in (cues[1].content, cues[2].content, captions[1].text, text):
        assert "Tömberuranö" not in exported and "Hvala hvala" not in exported
    data = json.loads((tmp_path / "minutes.json").read_text("utf-8"))
    kept = [s for s in data["segments"] if s.get("flag")]
    assert [s["text"] for s in kept] == ["Tömberuranö tarötö", "Hvala hvala"]
    assert all(s["words"] for s in kept)
