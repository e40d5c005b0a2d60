"""Property: whatever the review schemas accept can be published, exported and read back.

Hypothesis draws any text (control characters, lone surrogates, non-characters included) and any
float (infinities, NaN, huge values) for a segment edit, an agenda item and a member's name. What
the API's schemas refuse is dropped; what they accept is applied to a draft with the review's
own functions, frozen as a version and put through the whole site build (every export format,
pages, member pages, feed), and every file is read back by its format's own reader.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import srt
import webvtt
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import ValidationError

from kuvend.domain import Member
from kuvend.minutes import thaw
from publish.revisions import edit_text, name_speaker, set_agenda
from publish.site import SiteAssembly, SiteSession, SiteVersion, build_site
from publish.versions import freeze
from search_api.schemas.members import MemberCreate
from search_api.schemas.sessions import AgendaUpdate, SegmentUpdate
from tests.publish.factories import sample_minutes

# Half the draws from everything, half from what a person types: both kinds reach the build.
_ANY_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=40), st.text(min_size=1, max_size=40)
)
_ANY_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=0, max_value=1e6)
)


def _accepted(text: str, start: float, title: str, name: str) -> tuple[str, float, str, str]:
    """Each value as the schemas accept it; a refused one replaced by a plain value."""
    try:
        text = SegmentUpdate(text=text).text
    except ValidationError:
        text = "Teksti i korrigjuar"
    try:
        item = AgendaUpdate.model_validate({"items": [{"start_s": start, "title": title}]}).items[0]
        start, title = item.start_s, item.title
    except ValidationError:
        start, title = 0.0, "Buxheti"
    try:
        name = MemberCreate(name=name, party=name).name
    except ValidationError:
        name = "Arben Gashi"
    return text, start, title, name


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=_ANY_TEXT, start=_ANY_FLOAT, title=_ANY_TEXT, name=_ANY_TEXT)
def test_anything_the_review_schemas_accept_publishes_and_reads_back(
    text: str, start: float, title: str, name: str
) -> None:
    text, start, title, name = _accepted(text, start, title, name)
    draft = sample_minutes()
    segment_id = draft.segments[0].id
    if " ".join(text.split()):  # an all-blank edit is the review's own 409, not a schema's
        draft = edit_text(draft, segment_id, text, user_id=None).minutes
    if " ".join(title.split()):
        draft = set_agenda(draft, [(start, title)], user_id=None).minutes
    member = Member(id="m-new", assembly="prishtina", name=name, party=name)
    draft = name_speaker(draft, "S3", member, user_id=None).minutes
    frozen = freeze(draft, version=1)

    assert thaw(frozen.json_text, frozen.sha256) == frozen.minutes
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        version = SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 3, 15, tzinfo=UTC))
        assembly = SiteAssembly("prishtina", "Prishtinë", [SiteSession([version])])
        build_site([assembly], site, base_url="https://example.org")
        pages = site / "prishtina" / draft.session.id
        assert (pages / "index.html").is_file()
        assert (site / "prishtina" / "members" / "m-new" / "index.html").is_file()
        assert thaw((pages / "minutes.json").read_text("utf-8").rstrip("\n"), frozen.sha256)
        list(srt.parse((pages / "minutes.srt").read_text("utf-8")))
        assert len(webvtt.read(str(pages / "minutes.vtt"))) == len(draft.segments)
        assert (pages / "minutes.txt").read_text("utf-8")
        assert Document(str(pages / "minutes.docx")).paragraphs
        etree.parse(str(pages / "minutes.akn.xml"))
        etree.parse(str(site / "prishtina" / "feed.atom"))
