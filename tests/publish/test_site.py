"""The static assembly site: pages, versions, members, feed; drafts never included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from kuvend.addresses import site_base_url
from kuvend.config import Settings
from kuvend.errors import ConflictError
from kuvend.storage.agenda import publish_agenda_and_materials, save_planned_agenda
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.segments import replace_session_segments
from kuvend.storage.sessions import create_session
from publish.publication import publish_session, rebuild_site, site_page
from publish.review import apply_change, publish_draft
from publish.revisions import edit_text, set_agenda
from publish.site import Attachment, SiteAssembly, SiteSession, SiteVersion, build_site
from publish.site_data import public_content
from publish.versions import freeze
from tests.publish.factories import SEGMENTS, SESSION, sample_minutes
from tests.publish.test_review_storage import _stored_session

BASE = "https://kuvend.example"


def _version(n: int, text: str | None = None) -> SiteVersion:
    minutes = set_agenda(sample_minutes(), [(0.0, "Hapja"), (30.0, "Rrugët")], user_id=None).minutes
    if text:
        minutes = edit_text(minutes, minutes.segments[0].id, text, user_id=None).minutes
    frozen = freeze(minutes, version=n)
    return SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 3, 15, 9 + n, tzinfo=UTC))


def _tree(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_text("utf-8"))


def test_site_has_sessions_versions_members_and_feed(tmp_path: Path) -> None:
    pdf = tmp_path / "rendi i ditës.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% agenda\n")
    assembly = SiteAssembly(
        "prishtina",
        "Kuvendi Komunal i Prishtinës",
        sessions=[
            SiteSession(
                [_version(1), _version(2, "Mirëdita, e hapi seancën.")],
                materials=[Attachment("Rendi i ditës", pdf)],
            )
        ],
    )
    site = tmp_path / "site"
    build_site([assembly], site, base_url=BASE)
    session_dir = site / "prishtina" / SESSION.id
    for name in ("minutes.json", "minutes.srt", "minutes.vtt", "minutes.txt", "minutes.docx",
                 "minutes.akn.xml", "index.html", "index.sr.html", "index.en.html"):  # fmt: skip
        assert (session_dir / name).is_file(), name
    # The old version stays reachable, unchanged, beside the new one.
    assert "e hap seancën" in (session_dir / "v1" / "minutes.txt").read_text()
    assert "e hapi seancën" in (session_dir / "minutes.txt").read_text()
    page = _tree(session_dir / "index.en.html")
    assert page.xpath("//a[@href='v1/index.en.html']")
    assert [a.text for a in page.xpath("//ol[@class='agenda']//a")] == ["Hapja", "Rrugët"]
    assert [h.text for h in page.xpath("//h3[@class='chapter']")] == ["Hapja", "Rrugët"]
    material = page.xpath("//a[text()='Rendi i ditës']")[0].get("href")
    assert (session_dir / material).read_bytes().startswith(b"%PDF")
    # The speaker's name links to the member page, in the reader's language.
    ana = page.xpath("//table[contains(@class,'speaking-time')]//a[text()='Ana Kelmendi']")[0]
    member_page = (session_dir / ana.get("href")).resolve()
    assert member_page == (site / "prishtina" / "members" / "m-ana" / "index.en.html").resolve()
    member = _tree(member_page)
    assert member.xpath("string(//h1)") == "Ana Kelmendi"
    moments = [a.get("href") for a in member.xpath("//ul[@class='interventions']//a")]
    assert moments == [
        f"../../{SESSION.id}/index.en.html#t=0.0",
        f"../../{SESSION.id}/index.en.html#t=15.5",
    ]
    feed = etree.parse(str(site / "prishtina" / "feed.atom")).getroot()
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 2
    listing = _tree(site / "prishtina" / "index.html")
    assert listing.xpath(f"//a[@href='{SESSION.id}/index.sq.html']")


def test_site_refuses_a_draft(tmp_path: Path) -> None:
    draft = sample_minutes()
    version = SiteVersion(draft, "0" * 64, datetime.now(UTC))
    with pytest.raises(ConflictError, match="draft"):
        build_site([SiteAssembly("p", "P", [SiteSession([version])])], tmp_path, base_url=BASE)
    assert not any(tmp_path.iterdir())


def test_draft_in_the_database_never_reaches_the_site(database_url: str, tmp_path: Path) -> None:
    published_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        publish_draft(session=db, session_id=published_id, user_id="u1")
        # A later correction stays in the draft until it is published.
        apply_change(
            session=db,
            session_id=published_id,
            change=lambda m: edit_text(m, m.segments[0].id, "Korrigjimzidraft", user_id="u1"),
        )
        draft = create_session(
            session=db, assembly=SESSION.assembly, title="Seanca draft", date=date(2024, 4, 1),
            status="draft",
        )  # fmt: skip
        replace_session_segments(session=db, session_id=draft.id, segments=SEGMENTS[:1])
        upcoming = create_session(
            session=db, assembly=SESSION.assembly, title="Seanca e ardhshme",
            date=date(2024, 5, 2), status="scheduled",
        )  # fmt: skip
        save_planned_agenda(
            session=db, session_id=upcoming.id, titles=["Buxheti 2025"], user_id="u1"
        )
        publish_agenda_and_materials(session=db, session_id=upcoming.id)
        content = public_content(
            session=db, recording_for=lambda _: None, material_path=lambda m: Path(m.filename)
        )
    site = tmp_path / "site"
    build_site(content, site, base_url=BASE)
    files = [p for p in site.rglob("*") if p.is_file() and p.suffix != ".docx"]
    assert not [p for p in files if "Korrigjimzidraft" in p.read_text("utf-8", "replace")]
    assert not [p for p in files if "Seanca draft" in p.read_text("utf-8", "replace")]
    assert not (site / SESSION.assembly / draft.id).exists()
    assert (site / SESSION.assembly / published_id / "index.html").is_file()
    listing = (site / SESSION.assembly / "index.html").read_text("utf-8")
    assert "Seanca e ardhshme" in listing and "Buxheti 2025" in listing


def test_publish_session_builds_the_site_and_keeps_the_draft_out(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.resolved_database_url
    migrate(url)
    session_id = _stored_session(url)
    recording = tmp_path / "player.m4a"
    recording.write_bytes(b"not really audio, copied as it is")
    first = publish_session(
        settings=settings, session_id=session_id, user_id="u1", recording_for=lambda _: recording
    )
    page = site_page(settings, SESSION.assembly, session_id)
    assert first.version == 1 and page.is_file()
    assert (page.parent / "recording.m4a").read_bytes() == recording.read_bytes()
    assert first.page_url == f"{site_base_url(settings)}/{SESSION.assembly}/{session_id}/v1/"
    with session_scope(url) as db:
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, m.segments[0].id, "Ende draft", user_id="u1"),
        )
    rebuild_site(settings=settings, recording_for=lambda _: None)
    assert "Ende draft" not in page.read_text("utf-8")
    second = publish_session(
        settings=settings, session_id=session_id, user_id="u1", recording_for=lambda _: None
    )
    assert second.version == 2 and "Ende draft" in page.read_text("utf-8")
    assert (page.parent / "v1" / "index.html").is_file()
