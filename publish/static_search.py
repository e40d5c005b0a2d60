"""Search without a server: per-assembly index files and a results page inside the static site.

::

    out_dir/<assembly>/search/meta.json        sessions, speakers, the shard keys
    out_dir/<assembly>/search/terms/<key>.json  the terms starting with <key>, their postings
    out_dir/<assembly>/search/texts/<n>.json    segments n*TEXT_CHUNK … as shown in results
    out_dir/search/index.html                  the results page (and index.sq|sr|en.html)
    out_dir/assets/kuvend-search.js            runs the query in the browser

Every page's search field submits to ``search`` beside the site's root: under ``kuvend serve``
the server's ``/search`` answers; on a plain web host ``search`` is this folder, whose page
reads ``?q=`` and searches the index files in the browser. Matching uses the index's folding
(``kuvend.text.fold_for_search``: accents optional, Cyrillic and Latin both ways, đ → dj):
terms are folded here, queries by the same rules in ``kuvend-search.js``.

Why an inverted index of our own, split into small files, rather than a client-side search
library: such a library (MiniSearch was used) builds or loads its whole index before the first
query, 24 s in Chromium for 100 sessions (``bench/static_search.py``); here a first query reads
the small ``meta.json``, the one or two term files its words start with, and the text files
of the hits it shows, so its cost does not grow with the number of sessions.

Format (JSON, version 2). Segments are numbered across the assembly, oldest session first.
``meta.json``: ``{"version", "segments", "text_chunk", "sessions": [[id, title, date, first
segment number], …], "speakers": [[name, party], …], "keys": [shard key, …]}``. A term's
shard is the longest key it starts with (two letters, or three where two would make a file
over ``SHARD_BYTES``; a shorter term is its own key); ``terms/<key as UTF-8 hex>.json`` maps
each term to the numbers of the segments holding it, delta-encoded (each the difference from
the previous). ``texts/<n>.json``: ``[[session, start_s, speaker or -1, language, text], …]``
for segment numbers ``n * text_chunk`` onwards.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import shutil
from collections import defaultdict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Final

from kuvend.minutes import Minutes
from kuvend.text import fold_for_search
from publish.files import write_atomically
from publish.i18n import UI_LANGUAGES, Named, Translator, UiLanguage
from publish.page import environment, language_links
from publish.site import SiteAssembly
from publish.site_pages import safe_name

log = logging.getLogger(__name__)

INDEX_DIR: Final = "search"
INDEX_VERSION: Final = 2
#: Segments per text file (about 12 kB): the first 20 hits of a word, newest session first,
#: mostly lie in a few of them.
TEXT_CHUNK: Final = 128
#: A two-letter shard larger than this is split by the terms' third letter.
SHARD_BYTES: Final = 32_000
_TERM: Final = re.compile(r"\w+")


def build_static_search(
    assemblies: Sequence[SiteAssembly],
    out_dir: Path,
    ui_language: UiLanguage = "sq",
    *,
    only: Collection[str] | None = None,
) -> None:
    """A ``SiteBuilder``: each assembly's index (latest published versions; only those in
    ``only``) and the results page, which lists every assembly."""
    for assembly in assemblies:
        if only is not None and assembly.slug not in only:
            continue
        write_search_index(
            [item.latest for item in assembly.sessions], out_dir / safe_name(assembly.slug)
        )
    write_search_page(out_dir, [(a.slug, a.names) for a in assemblies], ui_language)


def index_files(sessions: Sequence[Minutes]) -> dict[str, Any]:
    """The index of one assembly's published sessions: file path (under ``search/``) → JSON
    value (see the module's docstring)."""
    ordered = sorted(sessions, key=lambda minutes: (minutes.session.date, minutes.session.id))
    speakers: dict[tuple[str, str | None], int] = {}
    postings: dict[str, list[int]] = defaultdict(list)
    texts: list[list[Any]] = []
    session_rows: list[list[Any]] = []
    for number, minutes in enumerate(ordered):
        session = minutes.session
        session_rows.append([session.id, session.title, session.date, len(texts)])
        names = {speaker.id: speaker for speaker in minutes.speakers}
        for segment in minutes.segments:
            terms = set(_TERM.findall(fold_for_search(segment.text)))
            if not terms:
                continue
            speaker = names.get(segment.speaker or "")
            who = -1
            if speaker is not None and speaker.name:
                who = speakers.setdefault((speaker.name, speaker.party), len(speakers))
            for term in terms:
                postings[term].append(len(texts))
            texts.append([number, round(segment.start, 1), who, segment.language, segment.text])
    files: dict[str, Any] = {}
    shards = _shards(postings)
    for key, shard in shards.items():
        files[f"terms/{key.encode().hex()}.json"] = shard
    for start in range(0, len(texts), TEXT_CHUNK):
        files[f"texts/{start // TEXT_CHUNK}.json"] = texts[start : start + TEXT_CHUNK]
    files["meta.json"] = {
        "version": INDEX_VERSION,
        "segments": len(texts),
        "text_chunk": TEXT_CHUNK,
        "sessions": session_rows,
        "speakers": [list(key) for key in speakers],
        "keys": sorted(shards),
    }
    return files


def _shards(postings: dict[str, list[int]]) -> dict[str, dict[str, list[int]]]:
    """Terms grouped by their first two letters, a large group by three (see the docstring)."""
    grouped: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for term, numbers in postings.items():
        deltas = [numbers[0]] + [b - a for a, b in itertools.pairwise(numbers)]
        grouped[term[:2]][term] = deltas
    shards: dict[str, dict[str, list[int]]] = {}
    for key, terms in grouped.items():
        if len(_dumps(terms)) <= SHARD_BYTES:
            shards[key] = terms
            continue
        for term, deltas in terms.items():
            shards.setdefault(term[:3], {})[term] = deltas
    return shards


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_search_index(sessions: Sequence[Minutes], folder: Path) -> Path:
    """Write ``folder/search/`` for an assembly's published ``sessions``; returns that folder.

    The folder is replaced as a whole, so no file of an older index is left behind."""
    target = folder / INDEX_DIR
    staging = folder / f".{INDEX_DIR}.new"
    shutil.rmtree(staging, ignore_errors=True)
    size = 0
    for name, value in index_files(sessions).items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _dumps(value)
        path.write_text(text, "utf-8")
        size += len(text.encode())
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    log.info("search index of %s: %d bytes", folder.name, size)
    return target


def write_search_page(
    out_dir: Path, assemblies: Sequence[tuple[str, Named]], ui_language: UiLanguage
) -> Path:
    """Write ``out_dir/search/index.*.html``: the results page of the static site.

    ``assemblies`` are (slug, names) pairs; their index files are read by the page's script.
    """
    folder = out_dir / "search"
    for language in UI_LANGUAGES:
        t = Translator(language)
        html = (
            environment()
            .get_template("static_search.html.j2")
            .render(
                lang=language,
                t=t,
                assets="../assets/",
                home_href=f"../index.{language}.html",
                language_links=language_links(language, lambda code: f"index.{code}.html"),
                indexes=[
                    {
                        "slug": slug,
                        "name": name.on_page(t),
                        "href": f"../{safe_name(slug)}/{INDEX_DIR}/",
                    }
                    for slug, name in assemblies
                ],
            )
        )
        write_atomically(folder / f"index.{language}.html", html)
        if language == ui_language:
            write_atomically(folder / "index.html", html)
    return folder / "index.html"
