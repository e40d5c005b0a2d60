"""Exports parse with the formats' own libraries and carry the speakers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import srt
import webvtt

from kuvend.errors import ConfigError
from kuvend.minutes import Minutes
from publish import write_exports
from tests.publish.factories import sample_minutes, segment

XSS = "<script>alert(1)</script> & co"


def test_writes_the_four_files_atomically(tmp_path: Path) -> None:
    written = write_exports(sample_minutes(), tmp_path)
    assert [p.name for p in written] == [
        "minutes.json",
        "minutes.srt",
        "minutes.vtt",
        "minutes.txt",
    ]
    # Nothing temporary is left beside them.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert Minutes.model_validate(json.loads((tmp_path / "minutes.json").read_text()))


def test_srt_parses_with_times_and_names(tmp_path: Path) -> None:
    write_exports(sample_minutes(), tmp_path)
    cues = list(srt.parse((tmp_path / "minutes.srt").read_text("utf-8")))
    assert len(cues) == 6
    assert cues[1].start.total_seconds() == pytest.approx(7.0)
    assert cues[1].end.total_seconds() == pytest.approx(15.25)
    assert cues[1].content.startswith("Marko Jovanović: Hvala")
    assert cues[4].content.startswith("S3: Kam")


def test_vtt_parses_with_voice_spans_and_escaped_text(tmp_path: Path) -> None:
    minutes = sample_minutes(segment(0.0, 2.0, "S1", XSS), segment(2.5, 4.0, "S3", "po"))
    write_exports(minutes, tmp_path)
    captions = webvtt.read(str(tmp_path / "minutes.vtt"))
    assert [c.voice for c in captions] == ["Ana Kelmendi", "S3"]
    assert captions[0].start_in_seconds == pytest.approx(0.0)
    assert captions[1].end_in_seconds == pytest.approx(4.0)
    # The transcript's markup characters are entities, not cue tags.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in captions[0].raw_text


def test_txt_reads_as_speeches(tmp_path: Path) -> None:
    write_exports(sample_minutes(), tmp_path)
    text = (tmp_path / "minutes.txt").read_text("utf-8")
    assert text.startswith("Seanca e rregullt e Kuvendit Komunal\n")
    # S1's two consecutive segments form one speech.
    assert (
        "[00:00:15] Ana Kelmendi (LDK):\nFaleminderit, vazhdojmë me pikën e parë. Pika e parë"
        in text
    )
    assert text.index("Ana Kelmendi") < text.index("Marko Jovanović") < text.index("S3")


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        write_exports(sample_minutes(), tmp_path, formats=("pdf",))


def test_unwritable_folder_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write"):
        write_exports(sample_minutes(), blocker / "out")
