"""The public site's folder, served at ``/`` with each page in the visitor's language.

The publish stage writes every page of the site as ``index.html`` and beside it one variant
per language (``index.sq.html``, ``index.sr.html``, ``index.en.html``; the front door also
``index.sr-Cyrl.html``). A folder URL (``/prishtine/``, ``/prishtine/<session>/``, also
written ``…/index.html``) is answered with the variant of the language chosen as every page
``kuvend serve`` draws chooses it (``?lang=``, the language cookie, ``Accept-Language``, then
Albanian): ``sr-Cyrl`` falls back to ``index.sr.html`` (an assembly's Serbian pages are in its
own script), and any language to ``index.html`` (a folder with no variants). Every other path
is a plain static file.
"""

from __future__ import annotations

import stat
from pathlib import PurePosixPath

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from search_api.pages.i18n import PageLanguage, choose_language

#: Caches keep one copy of a folder URL per language the browser or the cookie asks for.
VARY = "Accept-Language, Cookie"


def variants(language: PageLanguage) -> tuple[tuple[str, str | None], ...]:
    """The file names a folder URL may be answered with in ``language``, best first, each
    with the language it is written in (``None``: not known, ``index.html``)."""
    names: list[tuple[str, str | None]] = [(f"index.{language}.html", language)]
    if language == "sr-Cyrl":
        names.append(("index.sr.html", "sr"))
    names.append(("index.html", None))
    return tuple(names)


class SiteFiles(StaticFiles):
    """``StaticFiles`` (``html=True``) whose folder URLs are negotiated by language."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The variant of a folder URL in the visitor's language; otherwise as ``StaticFiles``."""
        folder = _folder(path, scope["path"])
        if folder is None or scope["method"] not in ("GET", "HEAD"):
            return await super().get_response(path, scope)
        language = choose_language(Request(scope))
        for name, written_in in variants(language):
            full_path, found = await anyio.to_thread.run_sync(self.lookup_path, str(folder / name))
            if found is not None and stat.S_ISREG(found.st_mode):
                response = self.file_response(full_path, found, scope)
                response.headers["Vary"] = VARY
                if written_in is not None:
                    response.headers["Content-Language"] = written_in
                return response
        return await super().get_response(path, scope)


def _folder(path: str, url_path: str) -> PurePosixPath | None:
    """The site folder a URL names (``path``: ``StaticFiles``' normalised path in the site),
    or ``None`` when it names a file other than a folder's ``index.html``."""
    if url_path.endswith("/"):
        return PurePosixPath(path)
    if url_path.endswith("/index.html"):
        return PurePosixPath(path).parent
    return None
