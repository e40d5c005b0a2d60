"""The FastAPI application: ``create_app(settings)``; the API lives under ``/api/v1``.

The OpenAPI document is at ``/openapi.json`` (interactive at ``/docs``). The static site
folder is served at ``/`` too (from the first publication on, without a restart), so that
``kuvend serve`` alone gives citizens the assembly pages (each folder URL in the visitor's
language, ``search_api.site_files``) and the deep links the search
returns; the secretariat's browser workspace is at ``/secretariat/``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from kuvend import __version__
from kuvend.config import Settings
from kuvend.search import SearchIndex
from kuvend.storage.index import open_index
from search_api.actions import SessionActions
from search_api.deps import SECRETARIAT_TAG
from search_api.docs_ui import install_docs
from search_api.errors import install_error_handlers
from search_api.pages import secretariat_pages
from search_api.ratelimit import Quotas, RateLimitHeaders, enforce_quota
from search_api.routes import (
    auth,
    health,
    live,
    members,
    progress,
    search,
    search_page,
    secretariat,
    sessions,
    statistics,
    uploads,
)
from search_api.routes.search_page import SearchPages
from search_api.schemas.common import COMMON_ERRORS
from search_api.signin import SignInThrottle
from search_api.site_files import SiteFiles

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

_DESCRIPTION = """
Every word said in Kosovo's municipal assemblies, as published minutes.

* **Public, read-only**: search (Albanian and Serbian, either script, accents optional),
  sessions, published minutes and downloads, members, speakers, statistics.
* **Journalists**: send `X-API-Key` for a larger quota; every response counted against a
  quota carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (all but
  `/health`, which is not limited, so that monitors may poll it; signed-in secretariat staff
  are not limited either).
* **Secretariat**: sign in at `/api/v1/auth/token` and send `Authorization: Bearer <token>` to
  schedule, upload, follow the processing of, review, publish and record your own assembly's
  sessions, and to enrol members' voices.
* **Live**: while a session is being recorded, its captions are public as Server-Sent Events
  (`/api/v1/sessions/{id}/captions`) and on the page `/live/{id}`.

Errors always have the body `{"error": {"code", "message", "details"}}`.
"""


def create_app(
    settings: Settings,
    *,
    index: SearchIndex | None = None,
    actions: SessionActions | None = None,
    on_startup: Sequence[Callable[[], object]] = (),
    search_pages: SearchPages | None = None,
) -> FastAPI:
    """The API over ``settings``' database and index.

    ``actions`` is the orchestration's publish/record service; without it those endpoints
    answer 503. ``index`` defaults to the one the settings choose. ``on_startup`` runs once
    when the server starts, before the first request (``kuvend serve`` resumes the sessions
    an earlier API process left unfinished). ``search_pages`` draws the public search page
    ``/search`` (``publish.search_page``); without it, a static copy of the site's search
    answers there.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for startup in on_startup:
            await anyio.to_thread.run_sync(startup)  # it may read the database: off the loop
        yield

    app = FastAPI(
        title="Kuvend API",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served by search_api.docs_ui, from local files
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.index = index if index is not None else open_index(settings)
    app.state.actions = actions
    app.state.quotas = Quotas.from_settings(settings)
    app.state.sign_in_throttle = SignInThrottle()
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(RateLimitHeaders)

    app.include_router(health.router, prefix=API_PREFIX, responses=COMMON_ERRORS)
    api = APIRouter(
        prefix=API_PREFIX, responses=COMMON_ERRORS, dependencies=[Depends(enforce_quota)]
    )
    for module in (search, sessions, members, statistics, auth, secretariat):
        api.include_router(module.router)
    for module in (uploads, progress, live):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(live.page_router)  # before the site, which is mounted at /
    if search_pages is not None:
        app.state.search_pages = search_pages
        app.include_router(search_page.router)
        app.mount("/assets", StaticFiles(directory=search_pages.assets_dir()), name="assets")
    secretariat_pages.install(app)  # the secretariat's browser workspace at /secretariat/

    app.openapi = lambda: _openapi_with_optional_auth(app)  # type: ignore[method-assign]

    # Mounted even before anything is published: the folder is made now, and publishing replaces
    # the site part by part inside it (never the folder itself), so later pages are served.
    site = settings.resolved_site_dir
    try:
        site.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("cannot create the site folder %s: %s", site, error.strerror)
    # Each folder URL (`/`, an assembly's, a session's) in the visitor's language.
    app.mount("/", SiteFiles(directory=site, html=True, check_dir=False), name="site")
    log.info("serving the assembly pages from %s", site)
    return app


def _openapi_with_optional_auth(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, saying which operations also accept anonymous callers.

    FastAPI lists the bearer token and the API key as requirements of every operation that
    reads them, but only the operations tagged ``secretariat`` need them; the others accept
    anonymous callers too, which OpenAPI writes as an empty requirement ``{}``.
    """
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for operations in document["paths"].values():
        for operation in operations.values():
            if "security" in operation and SECRETARIAT_TAG not in operation.get("tags", ()):
                operation["security"] = [{}, *operation["security"]]
    app.openapi_schema = document
    return document
