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

Every page also exists as ``index.sq.html``, ``index.sr.html`` and ``index.en.html``; the
site index also as ``index.sr-Cyrl.html`` (Serbian in Cyrillic). Only
published versions go in: :func:`build_site` refuses a draft (``ConflictError``).

One session or assembly that cannot be built (a version written before its text was checked)
never stops the others: it is logged, and its folder from the previous build is kept.
Further builders (``SiteBuilder``, e.g. a static search index) add their files to the same
folder after the pages.

A build given ``changed`` session ids is incremental: only those sessions' folders (pages,
downloads, recording, materials), their assemblies' indexes, feeds, members' pages, calendars
and search indexes, and the site's front door are written; every other session's and
assembly's folder of the previous build is named in :attr:`SiteReport.kept` and left as it is
(one missing from the previous build is built).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from kuvend.export_formats import EXPORT_FILES
from kuvend.minutes import Minutes
from kuvend.storage.media import safe_suffix
from publish.exports import ALL_FORMATS, write_exports
from publish.feed import FeedItem, assembly_feed
from publish.files import write_atomically
from publish.front_door import write_front_door
from publish.i18n import Named, Translator, UiLanguage
from publish.page import PageLink, copy_assets, render_session_page
from publish.site_pages import members_pages, render_page, safe_name
from publish.summary import summarise
from publish.versions import require_published

log = logging.getLogger(__name__)

#: Every export, as the session page links to it (the API serves the same formats).
_EXPORT_NAMES = tuple(file.filename for file in EXPORT_FILES.values())


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
    """An assembly's public content; ``name_sr`` is its name on Serbian pages (``name`` when
    ``None``)."""

    slug: str
    name: str
    sessions: Sequence[SiteSession] = ()
    upcoming: Sequence[UpcomingSession] = ()
    name_sr: str | None = None

    @property
    def names(self) -> Named:
        """Its name as each page language shows it."""
        return Named(self.name, self.name_sr)


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What :func:`build_site` wrote, and the previous build's parts (paths relative to the
    site, ``assembly`` or ``assembly/session``) it did not rebuild and left to be kept."""

    out_dir: Path
    pages: tuple[Path, ...] = field(default_factory=tuple)
    kept: tuple[str, ...] = ()


class SiteBuilder(Protocol):
    """A further part of the site, written into ``out_dir`` over every assembly's content;
    per-assembly files only for the slugs in ``only`` (all when ``None``)."""

    def __call__(
        self,
        assemblies: Sequence[SiteAssembly],
        out_dir: Path,
        *,
        only: Collection[str] | None = None,
    ) -> None: ...


def build_site(
    assemblies: Sequence[SiteAssembly],
    out_dir: Path,
    *,
    base_url: str,
    ui_language: UiLanguage = "sq",
    previous: Path | None = None,
    builders: Sequence[SiteBuilder] = (),
    changed: Collection[str] | None = None,
) -> SiteReport:
    """Write the public site into ``out_dir``; every session must be published.

    ``previous`` is the last build (the live site), whose folders are kept for a session or
    assembly that fails to build, and, when ``changed`` (session ids) is given, for every
    session not in it (an incremental build; ``None`` rebuilds everything). ``builders`` run
    last, over the same content.
    """
    for assembly in assemblies:
        for item in assembly.sessions:
            for version in item.versions:
                require_published(version.minutes)
    log.info("building the public site of %d assemblies into %s", len(assemblies), out_dir)
    reuse = _Reuse(previous, changed)
    if changed is not None and reuse.has("assets"):  # assets change with an upgrade only
        reuse.kept.append("assets")
    else:
        copy_assets(out_dir / "assets")
    pages: list[Path] = []
    built: list[str] = []
    for assembly in assemblies:
        name = assembly.slug
        # A sitting announced ahead (agenda, materials) is on the assembly's page too.
        shown = [s.latest.session.id for s in assembly.sessions] + [u.id for u in assembly.upcoming]
        unchanged = not any(reuse.rebuilds(session_id) for session_id in shown)
        if unchanged and reuse.has(name):  # nothing of it changed: the whole folder stays
            reuse.kept.append(name)
            continue
        try:
            pages += _assembly(assembly, out_dir / safe_name(name), base_url, ui_language, reuse)
            built.append(name)
        except Exception:  # one assembly's bad data must not take the others' pages down
            log.exception("the pages of assembly %s could not be built; kept as they were", name)
            reuse.fall_back(out_dir, name)
    pages.append(write_front_door(assemblies, out_dir, ui_language))
    for builder in builders:
        builder(assemblies, out_dir, only=built)
    return SiteReport(out_dir, tuple(pages), tuple(reuse.kept))


class _Reuse:
    """Which folders of the previous build a build leaves in place (see :class:`SiteReport`)."""

    def __init__(self, previous: Path | None, changed: Collection[str] | None) -> None:
        self.previous = previous
        self.changed = changed
        self.kept: list[str] = []

    def has(self, relative: str) -> bool:
        """Whether the previous build holds the folder ``relative``."""
        return self.previous is not None and (self.previous / relative).is_dir()

    def rebuilds(self, session_id: str) -> bool:
        """Whether an incremental build writes this session (a full build writes them all)."""
        return self.changed is None or session_id in self.changed

    def fall_back(self, out_dir: Path, relative: str) -> None:
        """Drop what a failed build wrote of ``relative``; the previous build's copy is kept."""
        try:
            target = out_dir.joinpath(*(safe_name(part) for part in relative.split("/")))
        except ValueError:  # the failure may be the name itself: nothing was written under it
            return
        shutil.rmtree(target, ignore_errors=True)
        if self.has(relative):
            self.kept.append(relative)


def _assembly(
    assembly: SiteAssembly,
    folder: Path,
    base_url: str,
    ui_language: UiLanguage,
    reuse: _Reuse,
) -> list[Path]:
    root = base_url.rstrip("/")
    pages: list[Path] = []
    built: list[SiteSession] = []
    for published in assembly.sessions:
        session_id = published.latest.session.id
        relative = f"{assembly.slug}/{session_id}"
        if not reuse.rebuilds(session_id) and reuse.has(relative):
            reuse.kept.append(relative)  # unchanged: listed below, its folder left as it is
            built.append(published)
            continue
        try:
            target = folder / safe_name(session_id)
            pages.append(_session(published, target, assembly, ui_language))
            built.append(published)
        except Exception:  # one bad version must not stop the assembly's other sessions
            log.exception(
                "session %s could not be built; its pages are kept as they were", session_id
            )
            reuse.fall_back(folder.parent, relative)
    assembly = dataclasses.replace(assembly, sessions=built)
    pages += members_pages(assembly, folder / "members", ui_language)
    upcoming = []
    for item in assembly.upcoming:
        target = folder / "upcoming" / safe_name(item.id)
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
    pages.append(
        render_page(
            "assembly.html.j2",
            folder,
            ui_language,
            assets="../assets/",
            home_href="../index.{lang}.html",
            assembly_name=assembly.names,
            members_href="members/index.{lang}.html",
            upcoming=upcoming,
            sessions=[
                {
                    "title": s.latest.session.title,
                    "date": s.latest.session.date,
                    "duration_s": s.latest.session.duration_s,
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
        # The feed is written in the site's language: the name that language's pages show.
        assembly_name=assembly.names.on_page(Translator(ui_language)),
        feed_url=f"{root}/{assembly.slug}/feed.atom",
        site_url=f"{root}/{assembly.slug}/",
        items=items,
        ui_language=ui_language,
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
        assembly_name=assembly.names,
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
