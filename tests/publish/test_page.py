"""The session page as HTML: escaping, languages, player and captions (browser tests apart)."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from publish import render_session_page
from tests.publish.factories import sample_minutes, segment

XSS = "<script>alert(1)</script>"


def _tree(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_text("utf-8"))


def test_transcript_text_is_escaped(tmp_path: Path) -> None:
    minutes = sample_minutes(segment(0.0, 2.0, "S1", XSS), segment(3.0, 4.0, "S2", "dobro"))
    page = render_session_page(minutes, tmp_path, media_url="audio.ogg")
    source = page.read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert XSS not in source
    tree = _tree(page)
    assert tree.xpath("//li[contains(@class,'line')]//span[@class='text']")[0].text == XSS
    # The only scripts are the page's own file.
    assert [s.get("src") for s in tree.xpath("//script")] == ["assets/kuvend.js"]


def test_page_has_player_captions_lines_and_table(tmp_path: Path) -> None:
    page = render_session_page(sample_minutes(), tmp_path, media_url="audio.ogg")
    tree = _tree(page)
    audio = tree.get_element_by_id("player")
    assert audio.get("src") == "audio.ogg"
    track = audio.xpath("track")[0]
    assert (track.get("kind"), track.get("src")) == ("captions", "minutes.vtt")
    lines = tree.xpath("//li[contains(@class,'line')]")
    assert [float(li.get("data-start")) for li in lines] == [0.0, 7.0, 15.5, 20.2, 30.5, 43.0]
    assert lines[1].get("lang") == "sr"
    rows = tree.xpath("//table[contains(@class,'speaking-time')]/tbody/tr")
    assert [r.xpath("string(th)") for r in rows] == [
        "Ana KelmendiLDK",
        "Marko JovanovićSrpska lista",
        "Folësi S3",
    ]
    assert (tmp_path / "assets" / "kuvend.js").exists()
    assert tree.xpath("//p[@class='gap']")


def test_three_interface_languages(tmp_path: Path) -> None:
    render_session_page(sample_minutes(), tmp_path, media_url=None, ui_language="en")
    english = _tree(tmp_path / "index.html")
    assert english.get("lang") == "en"
    assert english.xpath("string(//h2[@id='transcript-heading'])") == "Transcript"
    assert "No recording" in english.xpath("string(//p[@class='no-media'])")
    assert _tree(tmp_path / "index.sq.html").xpath("string(//h2[@id='transcript-heading'])") == (
        "Transkripti"
    )
    assert _tree(tmp_path / "index.sr.html").xpath("string(//h2[@id='transcript-heading'])") == (
        "Transkript"
    )
    switch = english.xpath("//nav[contains(@class,'language-switch')]//a")
    assert [a.get("href") for a in switch] == ["index.sq.html", "index.sr.html", "index.en.html"]


def test_draft_is_marked_as_draft(tmp_path: Path) -> None:
    page = render_session_page(sample_minutes(), tmp_path, media_url=None)
    assert _tree(page).xpath("//p[@class='draft-notice']")
    published = render_session_page(
        sample_minutes(status="published"), tmp_path / "pub", media_url=None
    )
    assert not _tree(published).xpath("//p[@class='draft-notice']")
    # A draft is not on the public site: its page has no search field leading there.
    assert not _tree(page).xpath("//input[@type='search']")
    assert _tree(published).xpath("//header//input[@type='search']")
