"""Search without a server: per-assembly index files and a results page inside the static site.

::

    out_dir/<assembly>/search-index.json   the assembly's published segments, compact
    out_dir/search/index.html              the results page (and index.sq|sr|en.html)
    out_dir/assets/kuvend-search.js        runs the query in the browser (MiniSearch)
    out_dir/assets/minisearch.js           MiniSearch, vendored from npm by scripts/install

Every page's search field submits to ``search`` beside the site's root: under ``kuvend serve``
the server's ``/search`` answers; on a plain web host ``search`` is this folder, whose page
reads ``?q=`` and searches the index files in the browser. Matching uses the index's folding
(``kuvend.text.fold_for_search``: accents optional, Cyrillic and Latin both ways, đ → dj):
segments are folded here, queries by the same rules in ``kuvend-search.js``.

Index file (JSON, version 1): ``sessions`` ``[[id, title, date], …]``, ``speakers``
``[[name, party], …]`` and ``segments`` ``[[session, start_s, speaker or -1, language, text,
folded], …]`` (indices into the first two lists), so repeated metadata is written once.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from kuvend.minutes import Minutes
from kuvend.text import fold_for_search
from publish.files import write_atomically
from publish.i18n import UI_LANGUAGES, Translator, UiLanguage
from publish.page import STATIC_DIR, environment, language_links
from publish.site import SiteAssembly
from publish.site_pages import safe_name

log = logging.getLogger(__name__)

INDEX_NAME: Final = "search-index.json"
INDEX_VERSION: Final = 1
#: Where scripts/install puts MiniSearch (npm ``minisearch``, MIT licence) with its licence.
VENDOR_DIR: Final = STATIC_DIR / "vendor"
_VENDORED: Final = ("minisearch.js", "minisearch.LICENSE.txt")


def build_static_search(
    assemblies: Sequence[SiteAssembly], out_dir: Path, ui_language: UiLanguage = "sq"
) -> None:
    """A ``SiteBuilder``: each assembly's index (latest published versions), the results page,
    and MiniSearch in ``out_dir/assets`` (the page says search is unavailable without it)."""
    for assembly in assemblies:
        write_search_index(
            [item.latest for item in assembly.sessions], out_dir / safe_name(assembly.slug)
        )
    write_search_page(out_dir, [(a.slug, a.name) for a in assemblies], ui_language)
    for name in _VENDORED:
        if (VENDOR_DIR / name).is_file():
            shutil.copyfile(VENDOR_DIR / name, out_dir / "assets" / name)
        else:
            log.warning("%s is missing: run scripts/install to vendor it", VENDOR_DIR / name)


def index_document(sessions: Sequence[Minutes]) -> dict[str, Any]:
    """The index of one assembly's published sessions (see the module's docstring)."""
    speakers: dict[tuple[str, str | None], int] = {}
    segments: list[list[Any]] = []
    for number, minutes in enumerate(sessions):
        names = {speaker.id: speaker for speaker in minutes.speakers}
        for segment in minutes.segments:
            folded = fold_for_search(segment.text)
            if not folded.strip():
                continue
            speaker = names.get(segment.speaker or "")
            who = -1
            if speaker is not None and speaker.name:
                who = speakers.setdefault((speaker.name, speaker.party), len(speakers))
            segments.append(
                [number, round(segment.start, 1), who, segment.language, segment.text, folded]
            )
    return {
        "version": INDEX_VERSION,
        "sessions": [[m.session.id, m.session.title, m.session.date] for m in sessions],
        "speakers": [list(key) for key in speakers],
        "segments": segments,
    }


def write_search_index(sessions: Sequence[Minutes], folder: Path) -> Path:
    """Write ``folder/search-index.json`` for an assembly's published ``sessions``."""
    path = folder / INDEX_NAME
    text = json.dumps(index_document(sessions), ensure_ascii=False, separators=(",", ":"))
    write_atomically(path, text)
    log.info("search index of %s: %d bytes", folder.name, len(text.encode()))
    return path


def write_search_page(
    out_dir: Path, assemblies: Sequence[tuple[str, str]], ui_language: UiLanguage
) -> Path:
    """Write ``out_dir/search/index.*.html``: the results page of the static site.

    ``assemblies`` are (slug, name) pairs; their index files are read by the page's script.
    """
    folder = out_dir / "search"
    for language in UI_LANGUAGES:
        html = (
            environment()
            .get_template("static_search.html.j2")
            .render(
                lang=language,
                t=Translator(language),
                assets="../assets/",
                home_href=f"../index.{language}.html",
                language_links=language_links(language, lambda code: f"index.{code}.html"),
                indexes=[
                    {"slug": slug, "name": name, "href": f"../{slug}/{INDEX_NAME}"}
                    for slug, name in assemblies
                ],
            )
        )
        write_atomically(folder / f"index.{language}.html", html)
        if language == ui_language:
            write_atomically(folder / "index.html", html)
    return folder / "index.html"
