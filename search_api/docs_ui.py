"""The interactive API documentation at ``/docs``, served from this machine.

FastAPI's default page loads Swagger UI from a CDN and its favicon from FastAPI's website, so
it is blank on a closed network. The same Swagger UI files ship in the ``fastapi-offline``
package (installed from PyPI with Kuvend); they are served under ``/docs/assets``.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)

DOCS_PATH = "/docs"
_ASSETS = f"{DOCS_PATH}/assets"
_OAUTH2_REDIRECT = f"{DOCS_PATH}/oauth2-redirect"


_MISSING = (
    "<!DOCTYPE html><title>Kuvend API</title><p>The documentation's files are not installed "
    "(the fastapi-offline package): run scripts/install. The API itself works; its description "
    'is at <a href="/openapi.json">/openapi.json</a>.</p>'
)


def _assets_dir() -> Path | None:
    """The folder of Swagger UI's script, style sheet and favicon inside ``fastapi-offline``."""
    try:
        return Path(str(files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` for ``app.openapi_url``, with no request to another host.

    Without the package (an install that skipped it), ``/docs`` says what to do; the API works.
    """
    assets = _assets_dir()
    if assets is None:
        log.error("fastapi-offline is not installed: /docs cannot show Swagger UI")
        app.add_api_route(
            DOCS_PATH, lambda: HTMLResponse(_MISSING, 503), methods=["GET"], include_in_schema=False
        )
        return
    app.mount(_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — documentation",
            swagger_js_url=f"{_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_ASSETS}/favicon.png",
            oauth2_redirect_url=_OAUTH2_REDIRECT,
            # Swagger UI otherwise asks validator.swagger.io to check the document.
            swagger_ui_parameters={"validatorUrl": None},
        )

    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_api_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(_OAUTH2_REDIRECT, oauth2_redirect, methods=["GET"], include_in_schema=False)
