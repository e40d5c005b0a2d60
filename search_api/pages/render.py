"""Rendering the secretariat's pages: Jinja2 templates, the page language, strict headers.

Pages run only their own scripts and styles from ``/secretariat/static/`` (no inline code, no
other origin), talk to this server alone, and are never cached: they show unpublished drafts.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from search_api.pages.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    PAGE_LANGUAGES,
    Texts,
    choose_language,
)
from search_api.pages.web_auth import COOKIE_PATH, Clerk

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
templates = Environment(
    loader=PackageLoader("search_api", "templates"),
    autoescape=select_autoescape(["j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def clock(seconds: float) -> str:
    """``h:mm:ss`` of a time in the session."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


templates.filters["clock"] = clock


def texts_for(request: Request) -> Texts:
    """The interface text in the request's language."""
    return Texts(choose_language(request))


def page(
    request: Request,
    template: str,
    *,
    clerk: Clerk | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``secretariat/{template}`` rendered in the request's language, with the page headers."""
    t = texts_for(request)
    html = templates.get_template(f"secretariat/{template}").render(
        t=t,
        clerk=clerk,
        languages=[(code, LANGUAGE_NAMES[code]) for code in PAGE_LANGUAGES],
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=HEADERS)
    if request.query_params.get("lang") in PAGE_LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            t.language,
            max_age=365 * 86400,
            path=COOKIE_PATH,
            samesite="strict",
            httponly=True,
        )
    return response


def fragment(template: str, **context: Any) -> str:
    """A piece of a page (``secretariat/{template}``) for a script to put in place."""
    return templates.get_template(f"secretariat/{template}").render(**context)
