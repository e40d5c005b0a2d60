"""Every export the session page links to is also an API download (SQLite, PostgreSQL)."""

from __future__ import annotations

import io
import json
import zipfile

from lxml import etree, html

from kuvend.export_formats import EXPORT_FILES, format_of_file
from kuvend.minutes import Minutes
from tests.search_api.conftest import Api

DRAFT = "pr-2024-draft"


def test_every_download_on_the_session_page_is_in_the_api(api: Api) -> None:
    staff = api.headers("secretariat_a")
    assert api.client.post(f"/api/v1/sessions/{DRAFT}/publish", headers=staff).is_success
    page = api.client.get(f"/prishtine/{DRAFT}/")
    assert page.status_code == 200
    links = html.fromstring(page.text).xpath("//ul[@class='downloads']//a/@href")
    assert len(links) >= 6, links  # JSON, SRT, VTT, TXT, DOCX, Akoma Ntoso

    for href in links:
        export = format_of_file(href)
        assert export is not None, f"the page links to {href}, which has no API format"
        served = api.client.get(f"/api/v1/sessions/{DRAFT}/downloads/{export}")
        assert served.status_code == 200, (href, served.text)
        media_type = EXPORT_FILES[export].media_type
        assert served.headers["content-type"].split(";")[0] == media_type, href
        assert served.content, href
        assert f".{href.removeprefix('minutes.')}" in served.headers["content-disposition"]
        if href.endswith(".json"):
            assert Minutes.model_validate(json.loads(served.content)).session.id == DRAFT
            continue
        # The API gives the very file the page links to.
        assert served.content == api.client.get(f"/prishtine/{DRAFT}/{href}").content, href
        if href.endswith(".xml"):
            root = etree.fromstring(served.content)
            assert root.tag.endswith("}akomaNtoso")
        elif href.endswith(".docx"):
            assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(served.content)).namelist()
        else:
            assert served.content.decode("utf-8").strip(), href


def test_the_api_documents_every_export_format(sqlite_api: Api) -> None:
    schema = sqlite_api.client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/sessions/{session_id}/downloads/{format}"]["get"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
    reference = parameter["schema"].get("$ref", "")
    enum = (
        schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]["enum"]
        if reference
        else parameter["schema"]["enum"]
    )
    assert sorted(enum) == sorted(str(name) for name in EXPORT_FILES)
    content = operation["responses"]["200"]["content"]
    assert "application/akn+xml" in content
