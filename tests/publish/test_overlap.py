"""Two people speaking at once: the segment says so in minutes.json, through storage and review,
on the page in every interface language and in the documents (not in the subtitles)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import srt
import webvtt
from docx import Document
from lxml import etree
from lxml import html as lxml_html

from kuvend.domain import SpeakerTurn
from kuvend.minutes import Minutes, MinutesOverlap
from kuvend.storage.db import session_scope
from kuvend.storage.second_voices import replace_second_voices
from kuvend.storage.segments import load_segments, replace_session_segments
from publish import render_session_page, write_exports
from publish.akoma_ntoso import AKN_NAMESPACE
from publish.i18n import UiLanguage
from publish.review import apply_change, load_draft_minutes, load_public_minutes, publish_draft
from publish.revisions import edit_text, merge_segments, split_segment
from tests.publish.factories import SEGMENTS, sample_minutes, segment
from tests.publish.test_review_storage import _stored_session

#: Marko answers while Ana is still speaking: his words are his, hers may be missing.
BOTH = replace(segment(7.0, 12.0, "S2", "Hvala predsedavajuća, imam pitanje.", "sr"), overlap=True)
MARK: dict[UiLanguage, str] = {
    "en": "Two people spoke at once here; the text may miss one of them.",
    "sq": "Këtu folën dy njerëz njëherësh; teksti mund të mos e ketë njërin prej tyre.",
    "sr": "Ovde su dvoje govorili istovremeno; tekstu može nedostajati jedan od njih.",
}


def _minutes() -> Minutes:
    return sample_minutes(segment(0.0, 6.0, "S1", "Mirëdita, e hap seancën."), BOTH)


def _drafted_published_and_public(database_url: str, session_id: str) -> list[Minutes]:
    """The session's draft, the version publishing it made, and what the public reads then."""
    with session_scope(database_url) as db:
        draft = load_draft_minutes(session=db, session_id=session_id)
        published, _ = publish_draft(session=db, session_id=session_id, user_id="u1")
    with session_scope(database_url) as db:
        public = load_public_minutes(session=db, session_id=session_id)
    return [draft, published.minutes, public]


def test_minutes_json_says_which_segment_had_two_voices(tmp_path: Path) -> None:
    write_exports(_minutes(), tmp_path, formats=("json",))
    data = json.loads((tmp_path / "minutes.json").read_text("utf-8"))
    assert [s["overlap"] for s in data["segments"]] == [False, True]


def test_minutes_written_before_overlap_still_load() -> None:
    data = json.loads(_minutes().to_json())
    for entry in data["segments"]:
        del entry["overlap"]
    old = Minutes.model_validate_json(json.dumps(data))
    assert [s.overlap for s in old.segments] == [False, False]


def test_the_page_shows_the_mark_in_every_interface_language(tmp_path: Path) -> None:
    for language, words in MARK.items():
        render_session_page(_minutes(), tmp_path, media_url=None, ui_language=language)
        tree = lxml_html.fromstring((tmp_path / f"index.{language}.html").read_text("utf-8"))
        [mark] = tree.xpath("//span[contains(@class,'overlap')]")
        # A note a screen reader announces, in the page's language inside a Serbian line.
        assert (mark.get("role"), mark.get("lang")) == ("note", language)
        assert mark.text_content() == words
        [line] = mark.xpath("ancestor::li")
        assert line.get("lang") == "sr" and "Hvala predsedavajuća" in line.text_content()


def test_documents_carry_the_note_and_subtitles_do_not(tmp_path: Path) -> None:
    write_exports(_minutes(), tmp_path, formats=("srt", "vtt", "txt", "docx", "akn"))
    note = f"[{MARK['sr']}]"  # in the segment's language, as a flagged gap's label is
    assert f"imam pitanje. {note}" in (tmp_path / "minutes.txt").read_text("utf-8")
    paragraphs = [p.text for p in Document(str(tmp_path / "minutes.docx")).paragraphs]
    assert f"Hvala predsedavajuća, imam pitanje. {note}" in paragraphs
    akn = etree.parse(str(tmp_path / "minutes.akn.xml"))
    remarks = akn.findall(".//a:p/a:remark", {"a": AKN_NAMESPACE})
    assert [(r.get("type"), r.text) for r in remarks] == [("phenomenon", note)]
    cues = [c.content for c in srt.parse((tmp_path / "minutes.srt").read_text("utf-8"))]
    captions = [c.text for c in webvtt.read(str(tmp_path / "minutes.vtt")).captions]
    assert len(cues) == len(captions) == 2
    assert not any("istovremeno" in text for text in [*cues, *captions])


def test_overlap_is_stored_and_survives_a_reviewers_edit(database_url: str) -> None:
    session_id = _stored_session(database_url)
    both = replace(SEGMENTS[1], overlap=True)
    with session_scope(database_url) as db:
        replace_session_segments(
            session=db, session_id=session_id, segments=[SEGMENTS[0], both, *SEGMENTS[2:]]
        )
    with session_scope(database_url) as db:
        assert [s.overlap for s in load_segments(session=db, session_id=session_id)][:3] == [
            False, True, False,
        ]  # fmt: skip
        draft = load_draft_minutes(session=db, session_id=session_id)
    target = draft.segments[1].id
    assert draft.segments[1].overlap

    with session_scope(database_url) as db:
        edited = apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, target, "Hvala, imam pitanje o budžetu.", user_id="u1"),
        )
    assert (edited.segments[1].reviewed, edited.segments[1].overlap) == (True, True)
    for minutes in _drafted_published_and_public(database_url, session_id):
        [kept] = [s for s in minutes.segments if s.id == target]
        assert (kept.text, kept.overlap) == ("Hvala, imam pitanje o budžetu.", True)
        assert [s.overlap for s in minutes.segments].count(True) == 1


def test_a_split_keeps_the_mark_on_both_parts_and_a_merge_keeps_it(database_url: str) -> None:
    session_id = _stored_session(database_url)
    both = replace(SEGMENTS[2], overlap=True)  # Ana, 15.5-20.0, before her next segment
    with session_scope(database_url) as db:
        replace_session_segments(
            session=db, session_id=session_id, segments=[*SEGMENTS[:2], both, *SEGMENTS[3:]]
        )
    with session_scope(database_url) as db:
        split = apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: split_segment(m, m.segments[2].id, 17.5, user_id="u1"),
        )
    assert [s.overlap for s in split.segments][:5] == [False, False, True, True, False]
    with session_scope(database_url) as db:
        merged = apply_change(
            session=db,
            session_id=session_id,
            # Marko's segment merged with Ana's first part: the two voices are in the merge.
            change=lambda m: merge_segments(m, m.segments[1].id, m.segments[2].id, user_id="u1"),
        )
    assert [s.overlap for s in merged.segments][:4] == [False, True, True, False]


def test_who_spoke_over_whom_is_stored_drafted_and_published(database_url: str) -> None:
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        before = load_draft_minutes(session=db, session_id=session_id)
        replace_second_voices(
            session=db,
            session_id=session_id,
            voices=[SpeakerTurn(16.2, 17.0, "S1"), SpeakerTurn(7.1, 7.9, "S1")],
        )
    with session_scope(database_url) as db:
        # Recognised again: the second voices are replaced, never added to.
        replace_second_voices(
            session=db,
            session_id=session_id,
            voices=[SpeakerTurn(16.25, 17.0, "S1"), SpeakerTurn(7.1, 7.9, "S2")],
        )
    draft, published, public = _drafted_published_and_public(database_url, session_id)
    for minutes in (draft, published, public):
        assert [(o.start, o.end, o.speaker) for o in minutes.overlaps] == [
            (7.1, 7.9, "S2"),
            (16.25, 17.0, "S1"),
        ]
    # Speaking time counts each segment's own speaker only: the second voices add nothing.
    assert before.overlaps == []
    assert {s.id: s.speaking_time_s for s in before.speakers} == {
        s.id: s.speaking_time_s for s in public.speakers
    }
    data = json.loads(public.to_json())
    assert data["overlaps"][0] == {"start": 7.1, "end": 7.9, "speaker": "S2"}


def test_minutes_written_before_second_voices_still_load() -> None:
    data = json.loads(_minutes().to_json())
    del data["overlaps"]
    assert Minutes.model_validate_json(json.dumps(data)).overlaps == []


def test_the_page_names_who_else_spoke_when_the_diarizer_could_tell(tmp_path: Path) -> None:
    minutes = _minutes()
    named = minutes.model_copy(
        update={"overlaps": [MinutesOverlap(start=7.2, end=8.4, speaker="S1")]}
    )
    [ana] = [s for s in named.speakers if s.id == "S1"]
    for language, words in {
        "en": f"Two people spoke at once here ({ana.name} too);",
        "sq": f"Këtu folën dy njerëz njëherësh (edhe {ana.name});",
    }.items():
        render_session_page(named, tmp_path, media_url=None, ui_language=language)
        tree = lxml_html.fromstring((tmp_path / f"index.{language}.html").read_text("utf-8"))
        [mark] = tree.xpath("//span[contains(@class,'overlap')]")
        assert mark.text_content().startswith(words)
