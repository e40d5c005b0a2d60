"""The speaking-time table fits its column in Serbian (Latin and Cyrillic), on a desktop
(1280 px) and a phone (390 px): no column is cut off or needs sideways scrolling.

Serbian is the widest interface language (its headings and durations, "1 č 6 min 40 s"); the
session here lasts hours so that the durations are as long as they get. Debian's headless
Chromium (fixtures in ``tests/publish/conftest.py``) opens the generated files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from kuvend.domain import Member, SessionInfo
from kuvend.types import SerbianScript
from publish import build_minutes
from publish.i18n import Translator
from publish.site import SiteAssembly, SiteSession, SiteVersion, build_site
from publish.versions import freeze
from tests.publish.factories import segment

pytestmark = pytest.mark.browser

SPEAKERS: dict[str, Member | None] = {
    "S1": Member("m-1", "zvecan", "Aleksandra Stojanović", party="Srpska lista", role="chair"),
    "S2": Member("m-2", "zvecan", "Dragiša Milović", party="Građanska inicijativa Srpska"),
    "S3": None,
}
TEXT = "Hvala predsedavajuća, imam pitanje o budžetu opštine za narednu godinu."
#: What the browser reports about the table: its width, its box's, each cell's right edge.
MEASURE = """() => {
  const table = document.querySelector("table.speaking-time");
  const box = table.parentElement;
  const right = box.getBoundingClientRect().right;
  const cells = [...table.querySelectorAll("tbody th, tbody td")];
  return {
    tableWidth: table.scrollWidth,
    boxWidth: box.clientWidth,
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    cutOff: cells.filter((cell) => cell.getBoundingClientRect().right > right + 0.5)
                 .map((cell) => cell.textContent),
  };
}"""


def _session(script: SerbianScript) -> SiteSession:
    info = SessionInfo(
        id=f"zvecan-{script}",
        assembly="zvecan",
        title="Redovna sednica Skupštine opštine",
        date=date(2024, 5, 2),
        languages=("sr", "sq"),
        serbian_script=script,
    )
    # Thirty 400 s turns: totals over an hour, the longest durations a page shows.
    turns = [segment(i * 410.0, i * 410.0 + 400.0, f"S{i % 3 + 1}", TEXT, "sr") for i in range(30)]
    minutes = build_minutes(
        info, turns, speakers=SPEAKERS, duration_s=30 * 410.0, status="draft", generator="tests"
    )
    frozen = freeze(minutes, version=1)
    return SiteSession(
        [SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 5, 3, tzinfo=UTC))]
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("statistics") / "site"
    sessions = [_session("latin"), _session("cyrillic")]
    build_site(
        [SiteAssembly("zvecan", "Skupština opštine Zvečan", sessions)],
        root,
        base_url="http://127.0.0.1",
    )
    return root


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("script", ["latin", "cyrillic"])
def test_the_serbian_speaking_time_table_fits(
    page: Page, site: Path, script: SerbianScript, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((site / "zvecan" / f"zvecan-{script}" / "index.sr.html").as_uri())
    t = Translator("sr", script)
    share = page.locator(f"table.speaking-time td[data-label='{t('share')}']")
    assert share.count() == 3
    measured: dict[str, Any] = page.evaluate(MEASURE)
    assert measured["tableWidth"] <= measured["boxWidth"], measured
    assert measured["cutOff"] == [], measured
    assert measured["pageWidth"] <= measured["viewport"], measured
    # Each speaker's share is on screen, with the label of its column.
    for index in range(3):
        box = share.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert share.nth(index).inner_text().endswith("%")
