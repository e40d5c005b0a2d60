"""The public assembly site, generated as static files (it can sit on any web server).

::

    out_dir/index.html                          assemblies
    out_dir/assets/                             CSS and JavaScript, once
    out_dir/<assembly>/index.html               published sessions, upcoming agendas, feed link
    out_dir/<assembly>/feed.atom                newly published minutes
    out_dir/<assembly>/members/index.html       members and their totals
    out_dir/<assembly>/members/<id>/index.html  one member's interventions
    out_dir/<assembly>/<session>/index.html     the latest version: page, exports, recording
    out_dir/<assembly>/<session>/v<N>/          every published version, still reachable

Every page also exists as ``index.sq.html``, ``index.sr.html`` and ``index.en.html``. Only
published versions go in: :func:`build_site` refuses a draft (``ConflictError``).
"""

from __future__ import annotations

import logging
import re
import shutil
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kuvend.minutes import Minutes
from kuvend.storage.media import safe_suffix
from publish.exports import ALL_FORMATS, write_exports
from publish.feed import FeedItem, assembly_feed
from publish.files import write_atomically
from publish.formatting import clock, speeches
from publish.i18n import UI_LANGUAGES, Translator, UiLanguage
from publish.page import PageLink, copy_assets, environment, language_links, render_session_page
from publish.statistics import member_statistics
from publish.summary import summarise
from publish.versions import require_published

log = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_EXPORT_NAMES = (
    "minutes.json",
    "minutes.srt",
    "minutes.vtt",
    "minutes.txt",
    "minutes.docx",
    "minutes.akn.xml",
)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file offered for download (a material): its title, and where it is now."""

    title: str
    path: Path


@dataclass(frozen=True, slots=True)
class SiteVersion:
    """One published version of a session's minutes."""

    minutes: Minutes
    sha256: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class SiteSession:
    """A published session: its versions (oldest first), recording and materials."""

    versions: Sequence[SiteVersion]
    recording: Path | None = None
    materials: Sequence[Attachment] = ()

    @property
    def latest(self) -> Minutes:
        """The newest version's minutes."""
        return self.versions[-1].minutes


@dataclass(frozen=True, slots=True)
class UpcomingSession:
    """A session not held (or not published) yet whose agenda and materials are public."""

    id: str
    title: str
    date: str
    agenda: Sequence[str] = ()
    materials: Sequence[Attachment] = ()


@dataclass(frozen=True, slots=True)
class SiteAssembly:
    """An assembly's public content."""

    slug: str
    name: str
    sessions: Sequence[SiteSession] = ()
    upcoming: Sequence[UpcomingSession] = ()


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What :func:`build_site` wrote."""

    out_dir: Path
    pages: tuple[Path, ...] = field(default_factory=tuple)


def _safe(name: str) -> str:
    """``name`` if it can be a folder name on the site; ids and slugs are checked, not trusted."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"{name!r} cannot name a folder on the public site")
    return name


def build_site(
    assemblies: Sequence[SiteAssembly],
    out_dir: Path,
    *,
    base_url: str,
    ui_language: UiLanguage = "sq",
) -> SiteReport:
    """Write the whole public site into ``out_dir``; every session must be published."""
    for assembly in assemblies:
        for item in assembly.sessions:
            for version in item.versions:
                require_published(version.minutes)
    log.info("building the public site of %d assemblies into %s", len(assemblies), out_dir)
    copy_assets(out_dir / "assets")
    pages: list[Path] = []
    for assembly in assemblies:
        pages += _assembly(assembly, out_dir / _safe(assembly.slug), base_url, ui_language)
    pages.append(
        _render(
            "site_index.html.j2",
            out_dir,
            ui_language,
            assets="assets/",
            home_href=None,
            assemblies=[
                {
                    "name": a.name,
                    "href": f"{a.slug}/index.{{lang}}.html",
                    "count": len(a.sessions),
                }
                for a in assemblies
            ],
        )
    )
    return SiteReport(out_dir, tuple(pages))


def _render(
    template: str, folder: Path, ui_language: str, *, home_href: str | None, **context: Any
) -> Path:
    """Write a page in every interface language; ``{lang}`` in hrefs becomes the page's own."""
    index = folder / "index.html"
    for language in UI_LANGUAGES:
        t = Translator(language)
        localised: dict[str, Any] = _localise(context, language)
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


def _localise(value: Any, language: str, *, is_href: bool = False) -> Any:
    """``{lang}`` filled in every link (``href`` and ``*_href`` keys), never in content."""
    if isinstance(value, str):
        return value.replace("{lang}", language) if is_href else value
    if isinstance(value, dict):
        return {
            key: _localise(item, language, is_href=key == "href" or key.endswith("_href"))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_localise(item, language) for item in value]
    return value


def _assembly(
    assembly: SiteAssembly, folder: Path, base_url: str, ui_language: UiLanguage
) -> list[Path]:
    root = base_url.rstrip("/")
    pages = [
        _session(item, folder / _safe(item.latest.session.id), assembly, ui_language)
        for item in assembly.sessions
    ]
    pages += _members(assembly, folder / "members", ui_language)
    upcoming = []
    for item in assembly.upcoming:
        target = folder / "upcoming" / _safe(item.id)
        upcoming.append(
            {
                "title": item.title,
                "date": item.date,
                "agenda": list(item.agenda),
                "materials": _copy_materials(
                    item.materials, target, href_prefix=f"upcoming/{item.id}/"
                ),
            }
        )
    newest_first = sorted(assembly.sessions, key=lambda s: s.latest.session.date, reverse=True)
    t = Translator(ui_language)
    pages.append(
        _render(
            "assembly.html.j2",
            folder,
            ui_language,
            assets="../assets/",
            home_href="../index.{lang}.html",
            assembly_name=assembly.name,
            members_href="members/index.{lang}.html",
            upcoming=upcoming,
            sessions=[
                {
                    "title": s.latest.session.title,
                    "date": s.latest.session.date,
                    "duration": t.duration(s.latest.session.duration_s),
                    "version": s.latest.session.version,
                    "href": f"{s.latest.session.id}/index.{{lang}}.html",
                }
                for s in newest_first
            ],
        )
    )
    items = [
        FeedItem(
            version.minutes,
            version.published_at,
            f"{root}/{assembly.slug}/{version.minutes.session.id}/v{version.minutes.session.version}/",
            version.sha256,
        )
        for s in assembly.sessions
        for version in s.versions
    ]
    feed = assembly_feed(
        assembly=assembly.slug,
        assembly_name=assembly.name,
        feed_url=f"{root}/{assembly.slug}/feed.atom",
        site_url=f"{root}/{assembly.slug}/",
        items=items,
    )
    write_atomically(folder / "feed.atom", feed)
    return pages


def _copy_materials(
    materials: Sequence[Attachment], folder: Path, *, href_prefix: str = ""
) -> list[PageLink]:
    """Copy materials into ``folder/materials``; links are relative to ``href_prefix``."""
    links = []
    for number, material in enumerate(materials, start=1):
        # Uploaded names never become paths: a number and a whitelisted extension do.
        name = f"material-{number}{safe_suffix(material.path.name)}"
        (folder / "materials").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(material.path, folder / "materials" / name)
        links.append(PageLink(material.title, f"{href_prefix}materials/{name}"))
    return links


def _session(
    item: SiteSession, folder: Path, assembly: SiteAssembly, ui_language: UiLanguage
) -> Path:
    recording = None
    if item.recording is not None:
        recording = f"recording{safe_suffix(item.recording.name)}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.recording, folder / recording)
    materials = _copy_materials(item.materials, folder)
    version_links = [
        PageLink(
            f"v{v.minutes.session.version} · {v.published_at:%Y-%m-%d %H:%M}",
            f"v{v.minutes.session.version}/index.{{lang}}.html",
        )
        for v in item.versions[:-1]
    ]
    for version in item.versions:
        minutes = version.minutes
        target = folder / f"v{minutes.session.version}"
        _session_page(
            minutes, target, assembly, ui_language,
            recording=f"../{recording}" if recording else None,
            materials=[PageLink(m.title, f"../{m.href}") for m in materials],
            depth=3, versions=(),
        )  # fmt: skip
    return _session_page(
        item.latest, folder, assembly, ui_language,
        recording=recording, materials=materials, depth=2, versions=version_links,
    )  # fmt: skip


def _session_page(
    minutes: Minutes,
    folder: Path,
    assembly: SiteAssembly,
    ui_language: UiLanguage,
    *,
    recording: str | None,
    materials: Sequence[PageLink],
    depth: int,
    versions: Sequence[PageLink],
) -> Path:
    up = "../" * depth
    write_exports(minutes, folder, formats=ALL_FORMATS)
    return render_session_page(
        minutes,
        folder,
        media_url=recording,
        ui_language=ui_language,
        assembly_name=assembly.name,
        downloads=_EXPORT_NAMES,
        materials=materials,
        summaries=summarise(minutes),
        versions=versions,
        assets_href=f"{up}assets/",
        home_href=f"{up}{assembly.slug}/index.{{lang}}.html",
        member_href=lambda member_id: (
            f"{up}{assembly.slug}/members/{member_id}/index.{{lang}}.html"
        ),
    )


def _members(assembly: SiteAssembly, folder: Path, ui_language: UiLanguage) -> list[Path]:
    latest = [item.latest for item in assembly.sessions]
    totals = member_statistics(latest)
    t = Translator(ui_language)
    parties: dict[str, str | None] = {}
    spoken: dict[str, list[Minutes]] = defaultdict(list)
    for minutes in latest:
        for speaker in minutes.speakers:
            if speaker.member_id and speaker.turns:
                parties.setdefault(speaker.member_id, speaker.party)
                spoken[speaker.member_id].append(minutes)
    pages = []
    for figures in totals:
        member_folder = folder / _safe(figures.key)
        pages.append(
            _render(
                "member.html.j2",
                member_folder,
                ui_language,
                assets="../../../assets/",
                home_href="../../index.{lang}.html",
                assembly_name=assembly.name,
                name=figures.label,
                party=parties.get(figures.key),
                totals={
                    "time": t.duration(figures.speaking_time_s),
                    "turns": figures.turns,
                    "longest": t.duration(figures.longest_turn_s),
                    "sessions": figures.sessions,
                },
                interventions=[
                    _interventions(minutes, figures.key, t) for minutes in spoken[figures.key]
                ],
            )
        )
    pages.append(
        _render(
            "members.html.j2",
            folder,
            ui_language,
            assets="../../assets/",
            home_href="../index.{lang}.html",
            assembly_name=assembly.name,
            members=[
                {
                    "name": figures.label,
                    "party": parties.get(figures.key),
                    "href": f"{figures.key}/index.{{lang}}.html",
                    "time": t.duration(figures.speaking_time_s),
                    "turns": figures.turns,
                    "sessions": figures.sessions,
                }
                for figures in totals
            ],
        )
    )
    return pages


def _interventions(minutes: Minutes, member_id: str, t: Translator) -> dict[str, Any]:
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
                "play_label": t("play_from", time=clock(speech.start)),
                "lang": speech.segments[0].language,
                "text": speech.text if len(speech.text) <= 300 else speech.text[:297] + "…",
            }
            for speech in speeches(minutes.segments)
            if speech.speaker in labels
        ],
    }
