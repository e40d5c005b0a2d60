"""The site's front door (each assembly with its latest minutes, next sittings, members and
search) and the assemblies' calendars of scheduled sittings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from icalendar import Calendar
from lxml import html

from publish.front_door import write_calendars
from publish.i18n import catalog
from publish.site import SiteAssembly, SiteSession, SiteVersion, UpcomingSession, build_site
from publish.versions import freeze
from tests.publish.factories import SEGMENTS, sample_minutes

AGENDA = ("Buxheti komunal për vitin 2025", "Raporti i drejtorisë së arsimit")


def _site(tmp_path: Path) -> tuple[Path, SiteAssembly]:
    frozen = freeze(sample_minutes(*SEGMENTS), version=1)
    version = SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 3, 15, 10, tzinfo=UTC))
    assembly = SiteAssembly(
        frozen.minutes.session.assembly,
        "Kuvendi Komunal i Prishtinës",
        [SiteSession([version])],
        [
            UpcomingSession("next-1", "Seanca e rregullt", "2030-05-02T10:00", AGENDA),
            UpcomingSession("next-2", "Seanca e jashtëzakonshme", "2030-06-01"),
        ],
    )
    root = tmp_path / "site"
    build_site([assembly], root, base_url="http://127.0.0.1", builders=[write_calendars])
    return root, assembly


def test_the_front_door_shows_each_assembly_with_its_sessions_sittings_and_search(
    tmp_path: Path,
) -> None:
    root, assembly = _site(tmp_path)
    page = html.fromstring((root / "index.en.html").read_text("utf-8"))
    card = page.xpath("//section[@class='assembly-card']")[0]
    assert card.xpath(".//h2/a")[0].text_content() == "Kuvendi Komunal i Prishtinës"
    latest = card.xpath(".//ul[@class='session-list']//a")
    session = assembly.sessions[0].latest.session
    assert f"{session.assembly}/{session.id}/index.en.html" in {a.get("href") for a in latest}
    assert [li.text_content() for li in card.xpath(".//ol[@class='agenda']/li")] == list(AGENDA)
    search = page.xpath("//main//form[@role='search']")[0]
    assert search.get("action") == "search" and search.xpath(".//input[@type='search']")
    assert f"{session.assembly}/calendar.ics" in {a.get("href") for a in card.xpath(".//a")}


def test_scheduled_sittings_are_an_icalendar_feed(tmp_path: Path) -> None:
    root, assembly = _site(tmp_path)
    calendar = Calendar.from_ical((root / assembly.slug / "calendar.ics").read_bytes())
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {f"next-1@{assembly.slug}.kuvend", f"next-2@{assembly.slug}.kuvend"}
    timed = events[f"next-1@{assembly.slug}.kuvend"]
    assert timed.decoded("dtstart") == datetime(2030, 5, 2, 10, 0)
    assert "1. Buxheti komunal për vitin 2025" in str(timed["description"])
    assert events[f"next-2@{assembly.slug}.kuvend"].decoded("dtstart") == date(2030, 6, 1)


def test_the_front_door_is_in_every_language_with_a_switch_to_each(tmp_path: Path) -> None:
    root, _ = _site(tmp_path)
    names = {"sq": "Shqip", "sr": "Srpski", "sr-Cyrl": "Српски", "en": "English"}
    for code in names:
        page = html.fromstring((root / f"index.{code}.html").read_text("utf-8"))
        assert page.get("lang") == code
        switch = page.xpath("//nav[@class='language-switch']//a")
        assert {a.text_content(): a.get("href") for a in switch} == {
            name: f"index.{other}.html" for other, name in names.items()
        }
        current = [a.text_content() for a in switch if a.get("aria-current") == "page"]
        assert current == [names[code]]
    cyrillic = (root / "index.sr-Cyrl.html").read_text("utf-8")
    assert catalog("sr", "cyrillic")["published_sessions"] in cyrillic
    assert catalog("sr")["published_sessions"] not in cyrillic
    # The assemblies' own pages have one Serbian page, in the assembly's script.
    card = html.fromstring(cyrillic).xpath("//section[@class='assembly-card']//h2/a")[0]
    assert card.get("href").endswith("/index.sr.html")
