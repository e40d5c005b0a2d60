"""The public search page and its Atom feed, rendered from ``kuvend.search`` results.

The server (``search_api``, at ``/search`` and ``/search.atom``) runs the query; this module
only turns a ``SearchResults`` into HTML or Atom in the site's look and languages, so the page
and the static site share one set of templates, styles and translations. Every link on the
page is a query string (``?q=…&party=…``), so any result list can be shared.

Interface languages: ``sq``, ``sr`` (Latin), ``sr-Cyrl`` (Serbian in Cyrillic) and ``en``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from kuvend.errors import QueryError
from kuvend.query_language import normalise_query
from kuvend.search import SearchResults, Suggestion, moment_path
from kuvend.types import SerbianScript
from publish.formatting import clock
from publish.i18n import UI_LANGUAGES, Translator, UiLanguage, catalog
from publish.page import STATIC_DIR, environment

#: The query parameters of the page, in the order links write them.
PARAMETERS: Final = ("q", "assembly", "speaker", "party", "language", "from", "to")
#: Facets shown beside the results, and the parameter each one sets.
_FACET_PARAMETERS: Final = {
    "assembly": "assembly",
    "member": "speaker",
    "party": "party",
    "year": "year",
    "language": "language",
}
_FILTER_TITLES: Final = {
    "assembly": "facet_assembly",
    "speaker": "facet_member",
    "party": "facet_party",
    "language": "facet_language",
    "from": "date_from",
    "to": "date_to",
}
PAGE_LANGUAGES: Final = ("sq", "sr", "sr-Cyrl", "en")


def assets_dir() -> Path:
    """The folder of the pages' CSS and JavaScript (served at ``/assets/``)."""
    return STATIC_DIR


def translator(page_language: str) -> Translator:
    """The translator of a page language (``sr-Cyrl`` is Serbian in Cyrillic)."""
    script: SerbianScript = "cyrillic" if page_language == "sr-Cyrl" else "latin"
    language: UiLanguage = "sr" if page_language == "sr-Cyrl" else _ui(page_language)
    return Translator(language, script)


def _ui(page_language: str) -> UiLanguage:
    for language in UI_LANGUAGES:
        if language == page_language:
            return language
    return "sq"


def _href(params: Mapping[str, str | None], **changes: str | None) -> str:
    merged = {**params, **changes}
    kept = {key: value for key, value in merged.items() if value}
    return "?" + urlencode(kept)


def render_search_page(
    params: Mapping[str, str],
    results: SearchResults | None,
    *,
    page_language: str,
    page: int,
    page_size: int,
    error: QueryError | None = None,
    suggestions: Sequence[Suggestion] = (),
    labels: Mapping[str, str] | None = None,
) -> str:
    """The HTML of ``/search`` for ``params`` (the query string's known parameters).

    ``results`` is None before anything is asked (an empty query) or when ``error`` says why
    the query could not run. ``labels`` name facet values (an assembly's slug → its name).
    """
    t = translator(page_language)
    state = {key: params[key] for key in (*PARAMETERS, "lang") if params.get(key)}
    query = params.get("q", "")
    total = results.total if results else 0
    pages = max(1, -(-total // page_size))
    names = dict(labels or {})
    hits = []
    for hit in results.hits if results else ():
        hits.append(
            {
                "href": moment_path(hit.assembly, hit.session_id, hit.start_s),
                "title": hit.session_title,
                "date": hit.session_date,
                "assembly": names.get(hit.assembly, hit.assembly),
                "speaker": hit.speaker_name or t("speaker_unnamed", label=hit.speaker or "?"),
                "party": hit.party,
                "lang": hit.language,
                "clock": clock(hit.start_s),
                "snippet": Markup(hit.snippet),  # the index escaped the text; only <mark> added
                "open_label": t("open_moment", time=clock(hit.start_s)),
            }
        )
    facets = []
    for name, counts in (results.facets if results else {}).items():
        parameter = _FACET_PARAMETERS.get(name)
        if parameter is None or not counts:
            continue
        values = []
        for facet in counts:
            label = facet.label or names.get(facet.value) or _language_name(t, name, facet.value)
            if parameter == "year":
                href = _href(
                    state, **{"from": f"{facet.value}-01-01", "to": f"{facet.value}-12-31"}
                )
            else:
                href = _href(state, **{parameter: facet.value})
            count = str(facet.count)
            if results is not None and results.facets_approximate:
                count = t("about_count", count=count)
            values.append({"label": label, "count": count, "href": href})
        facets.append({"title": t(f"facet_{name}"), "values": values})
    for facet in results.facets.get("member", ()) if results else ():
        names.setdefault(facet.value, facet.label or facet.value)
    active = [
        {
            "label": t(
                "remove_filter", name=f"{t(_FILTER_TITLES[key])}: {names.get(value, value)}"
            ),
            "href": _href(state, **{key: None}),
        }
        for key in PARAMETERS[1:]
        if (value := state.get(key))
    ]
    return (
        environment()
        .get_template("search.html.j2")
        .render(
            lang="sr" if page_language == "sr-Cyrl" else page_language,
            page_language=page_language,
            t=t,
            assets="/assets/",
            home_href="/",
            language_links=[
                {
                    "code": code,
                    "name": translator(code)("language_name"),
                    "href": _href(state, lang=code),
                    "current": code == page_language,
                }
                for code in PAGE_LANGUAGES
            ],
            query=query,
            state=state,
            error=_error_text(t, error) if error else None,
            asked=results is not None,
            total=total,
            hits=hits,
            facets=facets,
            facets_note=t("facets_estimated")
            if results is not None and results.facets_approximate
            else None,
            active=active,
            suggestions=[
                {
                    "label": s.query if not s.without_filters else t.count("hits_in_all", s.count),
                    "count": s.count,
                    "href": _href({"q": s.query, "lang": state.get("lang")})
                    if s.without_filters
                    else _href(state, q=s.query),
                }
                for s in suggestions
            ],
            page=page,
            pages=pages,
            previous_href=_href(state, page=str(page - 1)) if page > 1 else None,
            next_href=_href(state, page=str(page + 1)) if page < pages else None,
            feed_href="/search.atom" + _href(state) if query else None,
        )
    )


def _error_text(t: Translator, error: QueryError) -> str:
    """Why a query cannot run, in the page's language (the message itself is the API's)."""
    key = f"query_error_{error.key}"
    return t(key, **error.fields) if key in catalog(t.language) else t("query_error_invalid")


def _language_name(t: Translator, facet: str, value: str) -> str:
    if facet == "language" and f"lang_{value}" in catalog(t.language):
        return t(f"lang_{value}")
    return value


def render_search_feed(
    params: Mapping[str, str],
    results: SearchResults,
    *,
    base_url: str,
    page_language: str,
    updated: datetime,
) -> bytes:
    """The Atom feed of a search: its newest hits (by session date), each linking to its moment.

    A feed reader polls it; an entry's id is the segment's, so a hit is announced once. The
    feed's time is its newest hit's session date, or ``updated`` when it has none.
    """
    t = translator(page_language)
    root = base_url.rstrip("/")
    query = " ".join(normalise_query(params.get("q", "")).split())  # as it is searched
    state = {key: params[key] for key in PARAMETERS if params.get(key)}
    feed = FeedGenerator()
    feed_url = f"{root}/search.atom{_href(state)}"
    feed.id(feed_url)
    feed.title(t("search_feed_title", query=query))
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=f"{root}/search{_href(state)}", rel="alternate", type="text/html")
    feed.language("sr" if page_language == "sr-Cyrl" else page_language)
    feed.updated(_feed_time(results.hits[0].session_date) if results.hits else updated)
    for hit in reversed(results.hits):  # feedgen prepends: add oldest first
        entry = feed.add_entry()
        link = root + moment_path(hit.assembly, hit.session_id, hit.start_s)
        entry.id(f"{root}/{hit.assembly}/{hit.session_id}/{hit.segment_id}")
        speaker = hit.speaker_name or t("speaker_unnamed", label=hit.speaker or "?")
        entry.title(f"{hit.session_title} ({hit.session_date}) · {clock(hit.start_s)} · {speaker}")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.updated(_feed_time(hit.session_date))
        entry.summary(hit.text)
    return bytes(feed.atom_str(pretty=True))


def _feed_time(session_date: str) -> str:
    return f"{session_date[:10]}T00:00:00+00:00"
