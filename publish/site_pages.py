"""Pages of the public site that every builder shares: rendering one page in every interface
language, folder names checked, and the members' pages."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuvend.minutes import Minutes
from publish.files import write_atomically
from publish.formatting import clock, speeches
from publish.i18n import UI_LANGUAGES, Named, Translator, UiLanguage
from publish.page import environment, language_links
from publish.statistics import member_statistics

if TYPE_CHECKING:
    from publish.site import SiteAssembly

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def safe_name(name: str) -> str:
    """``name`` if it can be a folder name on the site; ids and slugs are checked, not trusted."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"{name!r} cannot name a folder on the public site")
    return name


def render_page(
    template: str, folder: Path, ui_language: str, *, home_href: str | None, **context: Any
) -> Path:
    """Write a page in every interface language; ``{lang}`` in hrefs becomes the page's own,
    and a ``Named`` in ``context`` the name that language's page shows."""
    index = folder / "index.html"
    for language in UI_LANGUAGES:
        t = Translator(language)
        localised: dict[str, Any] = localise(context, t)
        html = (
            environment()
            .get_template(template)
            .render(
                lang=language,
                t=t,
                home_href=home_href.format(lang=language) if home_href else None,
                language_links=language_links(language, lambda code: f"index.{code}.html"),
                **localised,
            )
        )
        write_atomically(folder / f"index.{language}.html", html)
        if language == ui_language:
            write_atomically(index, html)
    return index


def localise(value: Any, t: Translator, *, is_href: bool = False) -> Any:
    """``value`` for a page in ``t``'s language: ``{lang}`` filled in every link (``href`` and
    ``*_href`` keys), never in content; a ``Named`` as the name that page shows."""
    if isinstance(value, Named):
        return value.on_page(t)
    if isinstance(value, str):
        return value.replace("{lang}", t.language) if is_href else value
    if isinstance(value, dict):
        return {
            key: localise(item, t, is_href=key == "href" or key.endswith("_href"))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [localise(item, t) for item in value]
    return value


def members_pages(assembly: SiteAssembly, folder: Path, ui_language: UiLanguage) -> list[Path]:
    latest = [item.latest for item in assembly.sessions]
    totals = member_statistics(latest)
    parties: dict[str, str | None] = {}
    spoken: dict[str, list[Minutes]] = defaultdict(list)
    for minutes in latest:
        for speaker in minutes.speakers:
            if speaker.member_id and speaker.turns:
                parties.setdefault(speaker.member_id, speaker.party)
                spoken[speaker.member_id].append(minutes)
    pages = []
    for figures in totals:
        member_folder = folder / safe_name(figures.key)
        pages.append(
            render_page(
                "member.html.j2",
                member_folder,
                ui_language,
                assets="../../../assets/",
                home_href="../../index.{lang}.html",
                assembly_name=assembly.names,
                name=figures.label,
                party=parties.get(figures.key),
                # Durations and labels are worded by the template, in each page's language.
                totals={
                    "time_s": figures.speaking_time_s,
                    "turns": figures.turns,
                    "longest_s": figures.longest_turn_s,
                    "sessions": figures.sessions,
                },
                interventions=[
                    _interventions(minutes, figures.key) for minutes in spoken[figures.key]
                ],
            )
        )
    pages.append(
        render_page(
            "members.html.j2",
            folder,
            ui_language,
            assets="../../assets/",
            home_href="../index.{lang}.html",
            assembly_name=assembly.names,
            members=[
                {
                    "name": figures.label,
                    "party": parties.get(figures.key),
                    "href": f"{figures.key}/index.{{lang}}.html",
                    "time_s": figures.speaking_time_s,
                    "turns": figures.turns,
                    "sessions": figures.sessions,
                }
                for figures in totals
            ],
        )
    )
    return pages


def _interventions(minutes: Minutes, member_id: str) -> dict[str, Any]:
    labels = {s.id for s in minutes.speakers if s.member_id == member_id}
    page = f"../../{minutes.session.id}/index.{{lang}}.html"
    return {
        "title": minutes.session.title,
        "date": minutes.session.date,
        "href": page,
        "speeches": [
            {
                "href": f"{page}#t={speech.start}",
                "clock": clock(speech.start),
                "lang": speech.segments[0].language,
                "text": speech.text if len(speech.text) <= 300 else speech.text[:297] + "…",
            }
            for speech in speeches(minutes.segments, minutes.session.serbian_script)
            if speech.speaker in labels
        ],
    }
