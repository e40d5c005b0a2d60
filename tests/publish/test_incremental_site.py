"""Publishing one session rebuilds only its part of the site; every other folder is untouched.

Untouched means the same inode and modification time for every file and folder of another
session and of another assembly (nothing rewritten, copied or swapped), while the republished
session, its assembly's index, feed and search index show the new version. A full rebuild
(``rebuild_site`` without ``changed``, ``kuvend publish --rebuild-site``) still rewrites it all,
and one bad stored version still never stops the others.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from lxml import html as lxml_html
from sqlalchemy import select, update

from kuvend.config import Settings
from kuvend.minutes import sha256_text
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.segments import replace_session_segments
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import PublishedVersionRow
from publish.publication import publish_session, rebuild_site
from publish.review import apply_change
from publish.revisions import edit_text
from tests.publish.factories import SEGMENTS
from tests.publish.test_review_storage import _stored_session

NEW_TEXT = "Teksti i versionit të dytë të seancës"
SAME_ASSEMBLY = ("prishtina", "prishtina-2024-04-11")
OTHER_ASSEMBLY = ("graqanica", "graqanica-2024-05-02")

Snapshot = dict[str, tuple[int, int]]


def _draft(url: str, assembly: str, session_id: str) -> None:
    with session_scope(url) as db:
        create_session(session=db, assembly=assembly, title=f"Seanca {session_id}",
                       date=date(2024, 4, 11), session_id=session_id, status="draft")  # fmt: skip
        replace_session_segments(session=db, session_id=session_id, segments=SEGMENTS)


def _snapshot(folder: Path) -> Snapshot:
    """Every path under ``folder`` (itself included) with its inode and mtime in ns."""
    paths = [folder, *folder.rglob("*")]
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in paths}


def _publish(settings: Settings, session_id: str, recordings: dict[str, Path]) -> int:
    publication = publish_session(
        settings=settings, session_id=session_id, user_id="u1", recording_for=recordings.get
    )
    return publication.version


def _edit_first_segment(url: str, session_id: str, text: str) -> None:
    with session_scope(url) as db:
        apply_change(
            session=db,
            session_id=session_id,
            change=lambda m: edit_text(m, m.segments[0].id, text, user_id="u1"),
        )


def test_republishing_one_session_leaves_every_other_folder_untouched(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.resolved_database_url
    migrate(url)
    first = _stored_session(url)
    for assembly, session_id in (SAME_ASSEMBLY, OTHER_ASSEMBLY):
        _draft(url, assembly, session_id)
    recordings = {}
    for session_id in (first, SAME_ASSEMBLY[1], OTHER_ASSEMBLY[1]):
        recordings[session_id] = tmp_path / f"{session_id}.m4a"
        recordings[session_id].write_bytes(session_id.encode() * 1000)
        assert _publish(settings, session_id, recordings) == 1
    site = settings.resolved_site_dir
    neighbour = site / "prishtina" / SAME_ASSEMBLY[1]
    other_assembly = site / OTHER_ASSEMBLY[0]
    assets = site / "assets"
    before = [_snapshot(neighbour), _snapshot(other_assembly), _snapshot(assets)]
    assert "index.html" in before[0] and "recording.m4a" in before[0]
    assert "feed.atom" in before[1] and f"{OTHER_ASSEMBLY[1]}/minutes.docx" in before[1]

    _edit_first_segment(url, first, NEW_TEXT)
    assert _publish(settings, first, recordings) == 2

    assert [_snapshot(neighbour), _snapshot(other_assembly), _snapshot(assets)] == before
    session_dir = site / "prishtina" / first
    assert NEW_TEXT in (session_dir / "index.html").read_text("utf-8")
    assert NEW_TEXT in (session_dir / "minutes.txt").read_text("utf-8")
    assert NEW_TEXT not in (session_dir / "v1" / "index.html").read_text("utf-8")
    assert (session_dir / "v2" / "minutes.docx").is_file()
    assert (session_dir / "recording.m4a").read_bytes() == recordings[first].read_bytes()
    listing = lxml_html.fromstring((site / "prishtina" / "index.html").read_text("utf-8"))
    entries = {
        li.xpath(".//a/@href")[0].split("/")[0]: li.text_content().split()[-1]
        for li in listing.xpath("//li[a[contains(@href, 'prishtina-')]]")
    }
    assert entries == {first: "2", SAME_ASSEMBLY[1]: "1"}
    feed = (site / "prishtina" / "feed.atom").read_text("utf-8")
    assert f"/prishtina/{first}/v2/" in feed and f"/prishtina/{SAME_ASSEMBLY[1]}/v1/" in feed
    index = site / "prishtina" / "search"
    texts = [json.loads(p.read_text("utf-8")) for p in sorted(index.glob("texts/*.json"))]
    assert NEW_TEXT in json.dumps(texts, ensure_ascii=False)
    meta = json.loads((index / "meta.json").read_text("utf-8"))
    assert sorted(entry[0] for entry in meta["sessions"]) == [first, SAME_ASSEMBLY[1]]
    front_door = (site / "index.html").read_text("utf-8")
    assert f"prishtina/{first}/" in front_door and f"{OTHER_ASSEMBLY[0]}/" in front_door
    assert sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".site")) == [
        ".site.lock"
    ]  # no build or trash folder left behind

    # A stored version of the neighbour turns bad: republishing still works, and a full
    # rebuild rewrites every good session while the bad one keeps its last good folder.
    with session_scope(url) as db:
        row = db.scalars(
            select(PublishedVersionRow).where(PublishedVersionRow.session_id == SAME_ASSEMBLY[1])
        ).one()
        minutes = json.loads(row.minutes_json)
        minutes["segments"][0]["text"] = "Poisoned\x07text"
        text = json.dumps(minutes, ensure_ascii=False, indent=2)
        db.execute(
            update(PublishedVersionRow)
            .where(PublishedVersionRow.id == row.id)
            .values(minutes_json=text, sha256=sha256_text(text))
        )
    _edit_first_segment(url, first, "Versioni i tretë")
    assert _publish(settings, first, recordings) == 3
    assert "Versioni i tretë" in (session_dir / "index.html").read_text("utf-8")
    assert _snapshot(neighbour) == before[0]

    other_page = other_assembly / OTHER_ASSEMBLY[1] / "index.html"
    report = rebuild_site(settings=settings, recording_for=recordings.get)
    assert report.kept == (f"prishtina/{SAME_ASSEMBLY[1]}",)
    assert _snapshot(neighbour) == before[0]
    assert other_page.stat().st_ino != before[1][f"{OTHER_ASSEMBLY[1]}/index.html"][0]
    assert "Versioni i tretë" in (session_dir / "index.html").read_text("utf-8")
    assert (session_dir / "v1" / "index.html").is_file()
