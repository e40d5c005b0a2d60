"""publish: minutes and their revisions, statistics, exports, the assembly page and feed.

The review workflow lives in ``publish.review`` (load the draft, apply a change, publish) over
the pure changes of ``publish.revisions``; ``publish.publication`` freezes a version and
rebuilds the static site from published versions only.
"""

from publish.build import build_minutes
from publish.exports import ALL_FORMATS, write_exports
from publish.page import render_session_page
from publish.publication import announce_session, publish_session, rebuild_site
from publish.review import apply_change, load_draft_minutes, load_public_minutes

__all__ = [
    "ALL_FORMATS",
    "announce_session",
    "apply_change",
    "build_minutes",
    "load_draft_minutes",
    "load_public_minutes",
    "publish_session",
    "rebuild_site",
    "render_session_page",
    "write_exports",
]
