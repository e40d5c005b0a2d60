"""The site's front door ``/`` in the visitor's language.

The site folder holds the front door in each language (``index.sq.html``, ``index.sr.html``,
``index.sr-Cyrl.html``, ``index.en.html``, written by the publish stage); ``/`` answers the
one chosen as every page ``kuvend serve`` draws chooses it (``?lang=``, the language cookie,
``Accept-Language``, then Albanian), and ``index.html`` when that one is missing (a site built
before the front door had its languages). Without any, the site's mount answers (a 404).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from search_api.pages.i18n import choose_language

router = APIRouter(include_in_schema=False)


@router.get("/")
def front_door(request: Request) -> FileResponse:
    """The front door in the visitor's language; 404 when the site has none yet."""
    site = request.app.state.settings.resolved_site_dir
    language = choose_language(request)
    for name in (f"index.{language}.html", "index.html"):
        path = site / name
        if path.is_file():
            return FileResponse(
                path,
                media_type="text/html; charset=utf-8",
                headers={
                    "Content-Language": language,
                    # Caches keep one copy per language the browser asks for.
                    "Vary": "Accept-Language, Cookie",
                },
            )
    raise HTTPException(status_code=404)
