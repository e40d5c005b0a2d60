"""The site's front door and calendars: what a citizen sees first, and sittings in a calendar.

- ``assembly_cards``: each assembly on the site index with its latest published sessions, its
  next scheduled sittings (agenda, a link to their materials), its members and its calendar.
- ``write_front_door``: the site index ``out_dir/index.html`` and its page in every language,
  ``index.{sq,sr,sr-Cyrl,en}.html`` (Serbian in both scripts; ``kuvend serve`` answers ``/``
  with the one the visitor's browser asks for).
- ``write_calendars`` (a ``SiteBuilder``): ``out_dir/<assembly>/calendar.ics``, the scheduled
  sittings as an iCalendar feed (RFC 5545, written with the ``icalendar`` package) that people
  subscribe to, so that a sitting lands in their calendar with its agenda before the vote.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from icalendar import Calendar, Event

from kuvend import __version__
from kuvend.types import SerbianScript
from publish.files import write_atomically
from publish.i18n import UI_LANGUAGES, Translator, UiLanguage
from publish.page import environment
from publish.site_pages import localise, safe_name

if TYPE_CHECKING:  # publish.site renders the front door: only its types are needed here
    from publish.site import SiteAssembly, UpcomingSession

CALENDAR_NAME: Final = "calendar.ics"
LATEST: Final = 5
#: A sitting with only a date is an all-day event; with a time, it is given this length.
SITTING_LENGTH: Final = timedelta(hours=3)
#: The front door's languages, in the switch's order: Serbian in both scripts, because a
#: visitor arrives there before choosing an assembly (whose pages have one Serbian script).
FRONT_DOOR_LANGUAGES: Final = ("sq", "sr", "sr-Cyrl", "en")


def write_front_door(
    assemblies: Sequence[SiteAssembly], out_dir: Path, ui_language: UiLanguage
) -> Path:
    """Write ``out_dir/index.<code>.html`` for each of ``FRONT_DOOR_LANGUAGES`` and
    ``index.html`` (in ``ui_language``); return the path of ``index.html``.

    Links to the assemblies' pages keep the visitor's language (``sr-Cyrl`` leads to the
    Serbian pages, written in each assembly's own script).
    """
    cards = assembly_cards(assemblies)
    index = out_dir / "index.html"
    for code in FRONT_DOOR_LANGUAGES:
        t = _translator(code)
        html = (
            environment()
            .get_template("site_index.html.j2")
            .render(
                lang=code,
                t=t,
                assets="assets/",
                home_href=None,
                language_links=[
                    {
                        "code": other,
                        "name": _translator(other)("language_name"),
                        "href": f"index.{other}.html",
                        "current": other == code,
                    }
                    for other in FRONT_DOOR_LANGUAGES
                ],
                assemblies=localise(cards, t),
            )
        )
        write_atomically(out_dir / f"index.{code}.html", html)
        if code == ui_language:
            write_atomically(index, html)
    return index


def _translator(code: str) -> Translator:
    script: SerbianScript = "cyrillic" if code == "sr-Cyrl" else "latin"
    language: UiLanguage = next((ui for ui in UI_LANGUAGES if code.startswith(ui)), "sq")
    return Translator(language, script)


def assembly_cards(assemblies: Sequence[SiteAssembly]) -> list[dict[str, Any]]:
    """The site index's content per assembly; hrefs carry ``{lang}`` for each page language."""
    cards = []
    for assembly in assemblies:
        slug = assembly.slug
        newest = sorted(assembly.sessions, key=lambda s: s.latest.session.date, reverse=True)
        cards.append(
            {
                "name": assembly.names,
                "href": f"{slug}/index.{{lang}}.html",
                "count": len(assembly.sessions),
                "members_href": f"{slug}/members/index.{{lang}}.html",
                "calendar_href": f"{slug}/{CALENDAR_NAME}",
                "feed_href": f"{slug}/feed.atom",
                "latest": [
                    {
                        "title": s.latest.session.title,
                        "date": s.latest.session.date,
                        "href": f"{slug}/{s.latest.session.id}/index.{{lang}}.html",
                    }
                    for s in newest[:LATEST]
                ],
                "upcoming": [
                    {
                        "title": item.title,
                        "date": item.date,
                        "agenda": list(item.agenda),
                        "materials": len(item.materials),
                        "materials_href": f"{slug}/index.{{lang}}.html#upcoming-heading",
                    }
                    for item in sorted(assembly.upcoming, key=lambda item: item.date)
                ],
            }
        )
    return cards


def write_calendars(
    assemblies: Sequence[SiteAssembly], out_dir: Path, *, only: Collection[str] | None = None
) -> None:
    """Write each assembly's ``calendar.ics`` (a ``SiteBuilder``; only those in ``only``)."""
    for assembly in assemblies:
        if only is not None and assembly.slug not in only:
            continue
        write_atomically(
            out_dir / safe_name(assembly.slug) / CALENDAR_NAME, assembly_calendar(assembly)
        )


def assembly_calendar(assembly: SiteAssembly) -> bytes:
    """The iCalendar document of ``assembly``'s scheduled sittings (agenda in the description).

    Event uids are stable (``<session id>@<assembly>.kuvend``), so a calendar that polls the
    feed updates a moved sitting instead of adding a second one.
    """
    calendar = Calendar()
    calendar.add("prodid", f"-//Kuvend//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", assembly.name)
    for item in assembly.upcoming:
        calendar.add_component(_event(assembly, item))
    return bytes(calendar.to_ical())


def _event(assembly: SiteAssembly, item: UpcomingSession) -> Event:
    event = Event()
    event.add("uid", f"{item.id}@{assembly.slug}.kuvend")
    event.add("summary", f"{assembly.name}: {item.title}")
    start = _when(item.date)
    event.add("dtstart", start)
    if isinstance(start, datetime):
        event.add("dtend", start + SITTING_LENGTH)
    else:
        event.add("dtend", start + timedelta(days=1))
    event.add("dtstamp", datetime(2000, 1, 1))  # required; the sitting's content defines it
    if item.agenda:
        lines = [f"{number}. {title}" for number, title in enumerate(item.agenda, start=1)]
        event.add("description", "\n".join(lines))
    return event


def _when(text: str) -> date | datetime:
    """``2024-05-02`` (an all-day sitting) or ``2024-05-02T10:00`` (a sitting at a time)."""
    if len(text) > 10:
        return datetime.fromisoformat(text)
    return date.fromisoformat(text[:10])
