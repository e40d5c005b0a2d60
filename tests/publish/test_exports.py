"""Exports parse with the formats' own libraries and carry the speakers."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
import srt
import webvtt
from lxml import etree

from kuvend.errors import ConfigError
from kuvend.minutes import Minutes
from publish import write_exports
from publish.akoma_ntoso import AKN_NAMESPACE
from publish.revisions import set_agenda
from tests.publish.factories import SEGMENTS, sample_minutes, segment

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


def test_docx_has_the_speeches_in_order_with_names(tmp_path: Path) -> None:
    minutes = set_agenda(
        sample_minutes(), [(0.0, "Hapja e seancës"), (30.0, "Rrugët")], user_id=None
    ).minutes
    (path,) = write_exports(minutes, tmp_path, formats=("docx",))
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    # Speeches in spoken order: Ana, Marko, Ana (two segments, one speech), S3, Marko.
    heads = [p.text.rsplit(" [", 1)[0] for p in document.paragraphs if p.text.endswith("]:")]
    assert heads == [
        "Ana Kelmendi (LDK)",
        "Marko Jovanović (Srpska lista)",
        "Ana Kelmendi (LDK)",
        "Folësi S3",
        "Marko Jovanović (Srpska lista)",
    ]
    assert all(p.runs[0].bold for p in document.paragraphs if p.text.endswith("]:"))
    assert "Mirëdita, e hap seancën e Kuvendit Komunal." in texts
    assert texts.index("1. Hapja e seancës") < texts.index("2. Rrugët")
    assert texts.index("2. Rrugët") < texts.index("Kam një propozim për rrugët në fshat.")
    assert document.core_properties.title.startswith("Procesverbal")


def test_akoma_ntoso_is_well_formed_and_names_every_speaker(tmp_path: Path) -> None:
    minutes = sample_minutes(segment(0.0, 2.0, "S1", XSS), *SEGMENTS[1:])
    (path,) = write_exports(minutes, tmp_path, formats=("akn",))
    root = etree.parse(str(path)).getroot()
    ns = {"a": AKN_NAMESPACE}
    assert root.tag == f"{{{AKN_NAMESPACE}}}akomaNtoso"
    people = {p.get("eId"): p.get("showAs") for p in root.iterfind(".//a:TLCPerson", ns)}
    assert sorted(people.values()) == ["Ana Kelmendi", "Marko Jovanović", "S3"]
    speeches = root.findall(".//a:speech", ns)
    assert [people[s.get("by").lstrip("#")] for s in speeches] == [
        "Ana Kelmendi",
        "Marko Jovanović",
        "Ana Kelmendi",
        "S3",
        "Marko Jovanović",
    ]
    assert [s.findtext("a:from", namespaces=ns) for s in speeches][3] == "S3"
    # Markup in the transcript is text in the XML, not elements.
    assert speeches[0].findtext("a:p", namespaces=ns) == XSS
