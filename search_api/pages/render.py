"""Rendering the secretariat's pages: Jinja2 templates, the page language, strict headers.

Pages run only their own scripts and styles from ``/secretariat/static/`` (no inline code, no
other origin), talk to this server alone, and are never cached: they show unpublished drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
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


def _render_context(request: Request, t: Texts, clerk: Clerk | None) -> dict[str, Any]:
    return {
        "t": t,
        "clerk": clerk,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in PAGE_LANGUAGES],
        "path": request.url.path,
    }


def _remember_language(request: Request, response: Response, t: Texts) -> None:
    if request.query_params.get("lang") in PAGE_LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            t.language,
            max_age=365 * 86400,
            path=COOKIE_PATH,
            samesite="strict",
            httponly=True,
        )


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
        **_render_context(request, t, clerk), **context
    )
    response = HTMLResponse(html, status_code=status_code, headers=HEADERS)
    _remember_language(request, response, t)
    return response


def streamed_page(request: Request, template: str, *, clerk: Clerk, **context: Any) -> Response:
    """As ``page``, sent while it renders: the browser shows the top of a long page (the
    editor of a three-hour session, 2.4 MB) while the rest is still being written.

    ``context`` must be plain data already read: rendering goes on after the request's
    database session may have closed.
    """
    t = texts_for(request)
    parts = templates.get_template(f"secretariat/{template}").generate(
        **_render_context(request, t, clerk), **context
    )
    response = StreamingResponse(
        _in_chunks(parts), headers=HEADERS, media_type="text/html; charset=utf-8"
    )
    _remember_language(request, response, t)
    return response


def _in_chunks(parts: Iterator[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Jinja's many small strings as fewer, larger writes."""
    buffer: list[str] = []
    length = 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    yield "".join(buffer).encode()


def fragment(template: str, **context: Any) -> str:
    """A piece of a page (``secretariat/{template}``) for a script to put in place."""
    return templates.get_template(f"secretariat/{template}").render(**context)
