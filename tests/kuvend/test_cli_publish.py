"""``kuvend publish`` refuses what may not be published: one line saying why, exit 2, and no
version written (the same rule as the API's, ``publish.review.check_publishable``)."""

from __future__ import annotations

import sys
from datetime import date

import pytest
from sqlalchemy import select

import cli
from kuvend.config import Settings, get_settings
from kuvend.storage.db import session_scope
from kuvend.storage.sessions import create_session, set_session_status
from kuvend.storage.tables import PublishedVersionRow, SegmentRow
from tests.publish.test_review_storage import _stored_session


def _publish(session_id: str, monkeypatch: pytest.MonkeyPatch) -> int:
    return _kuvend(["publish", session_id], monkeypatch)


def _kuvend(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["kuvend", *arguments])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return int(stopped.value.code or 0)


def test_a_failed_session_and_minutes_without_speech_are_refused(
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KUVEND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with session_scope(database_url) as db:
        failed = create_session(
            session=db, assembly="demo", title="Seanca", date=date(2026, 11, 30), status="draft"
        ).id
        set_session_status(session=db, session_id=failed, status="failed", error="interrupted")
        silent = create_session(
            session=db, assembly="demo", title="Pa zë", date=date(2026, 11, 30), status="draft"
        ).id
    for session_id, says in (
        (failed, f"kuvend: error: session {failed} cannot be published: its processing failed"),
        (silent, "kuvend: error: nothing to publish: the minutes have no speech;"),
    ):
        assert _publish(session_id, monkeypatch) == 2
        error = capsys.readouterr().err
        assert error.startswith(says) and error.count("\n") == 1, error
    with session_scope(database_url) as db:
        assert db.scalars(select(PublishedVersionRow)).all() == []
    get_settings.cache_clear()


def test_rebuild_site_rewrites_every_page_and_needs_a_session_or_the_option(
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KUVEND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    session_id = _stored_session(database_url)
    assert _publish(session_id, monkeypatch) == 0
    page = settings.resolved_site_dir / "prishtina" / session_id / "index.html"
    inode = page.stat().st_ino
    capsys.readouterr()

    assert _kuvend(["publish", "--rebuild-site"], monkeypatch) == 0
    assert "Rebuilt the public site" in capsys.readouterr().out
    assert page.is_file() and page.stat().st_ino != inode  # rewritten, not left as it was
    assert _kuvend(["publish"], monkeypatch) == 2
    assert "--rebuild-site" in capsys.readouterr().err
    get_settings.cache_clear()


def test_publishing_unfilled_gaps_warns_in_one_line_and_publishes(
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KUVEND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    session_id = _stored_session(database_url)
    with session_scope(database_url) as db:
        rows = db.scalars(select(SegmentRow).order_by(SegmentRow.start_s)).all()
        for row in rows[:2]:
            row.flag = "unintelligible"
        seconds = sum(row.end_s - row.start_s for row in rows[:2])
    assert _publish(session_id, monkeypatch) == 0
    printed = capsys.readouterr()
    assert "Published version 1" in printed.out
    assert printed.err == (
        f"kuvend: warning: {seconds:.1f} s of flagged speech in 2 segments published unfilled "
        "(gaps on the page; fill them in review and publish again)\n"
    )
    with session_scope(database_url) as db:
        assert len(db.scalars(select(PublishedVersionRow)).all()) == 1
    get_settings.cache_clear()
