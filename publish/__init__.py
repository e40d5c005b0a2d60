"""publish: minutes and their revisions, statistics, exports, the assembly page and feed."""

from publish.build import build_minutes
from publish.exports import write_exports
from publish.page import render_session_page

__all__ = ["build_minutes", "render_session_page", "write_exports"]
