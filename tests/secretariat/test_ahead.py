"""A sitting announced ahead: the clerk attaches materials and publishes the agenda and
materials before the sitting; citizens find them on the assembly's page and the front door,
each material byte for byte as it was sent, and nothing private comes with them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from search_api.app import create_app
from tests.secretariat.conftest import SESSION_ID, TITLE, Workspace, seeded
from tests.secretariat.seed import ASSEMBLY, EMAIL, PASSWORD
from tests.secretariat.test_workspace import sign_in
from workers.actions import PipelineActions

SITTING = "Seanca e jashtëzakonshme për buxhetin"
AGENDA = ("Projektbuxheti 2027", "Raporti i auditimit")
MAX_MATERIAL_BYTES = 256 * 1024


def pdf(size: int = 40_000) -> bytes:
    """A PDF's first bytes and random content: a byte-for-byte comparison means something."""
    return b"%PDF-1.7\n" + os.urandom(size)


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    settings = seeded(tmp_path / "data").model_copy(
        update={"max_material_bytes": MAX_MATERIAL_BYTES}
    )
    with TestClient(create_app(settings, actions=PipelineActions(settings))) as client:
        yield client


def _bearer(client: TestClient) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _schedule(client: TestClient, headers: dict[str, str]) -> str:
    answer = client.post(
        f"/api/v1/assemblies/{ASSEMBLY}/sessions",
        json={"title": SITTING, "date": "2027-01-20", "languages": ["sq", "sr"]},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _attach(
    client: TestClient, headers: dict[str, str], session_id: str, title: str, name: str, body: bytes
) -> Any:
    return client.post(
        f"/api/v1/sessions/{session_id}/materials",
        params={"title": title},
        files={"file": (name, body, "application/octet-stream")},
        headers=headers,
    )


def _sign_in_page(client: TestClient) -> str:
    """Signs in through the form; the CSRF token of the clerk's pages."""
    form = client.get("/secretariat/signin").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token
    client.post(
        "/secretariat/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf": token[1]},
        follow_redirects=False,
    )
    page = client.get("/secretariat/sessions").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    return csrf[1]


def test_a_sitting_published_ahead_shows_its_agenda_and_materials(client: TestClient) -> None:
    headers = _bearer(client)
    sitting = _schedule(client, headers)
    # The planned agenda, through the clerk's page.
    csrf = _sign_in_page(client)
    planned = client.post(
        f"/secretariat/sessions/{sitting}/agenda",
        data={"agenda": "\n".join(AGENDA), "csrf": csrf},
        follow_redirects=False,
    )
    assert planned.status_code == 303, planned.text
    budget = pdf()
    attached = _attach(client, headers, sitting, "Projektbuxheti (PDF)", "buxheti 2027.pdf", budget)
    assert attached.status_code == 201, attached.text
    assert attached.json()["published"] is False
    # Private until published: a material of the draft session, never announced, stays so too.
    note = b"%PDF-1.4\nvetem per sekretarine"
    kept = _attach(client, headers, SESSION_ID, "Shënim i brendshëm", "shenim.pdf", note)
    assert kept.status_code == 201, kept.text
    assert SITTING not in client.get(f"/{ASSEMBLY}/").text  # nothing public yet

    announced = client.post(f"/api/v1/sessions/{sitting}/announce", headers=headers)
    assert announced.status_code == 200, announced.text
    assert announced.json()["public"] == len(AGENDA) + 1

    assembly_page = client.get(f"/{ASSEMBLY}/")
    assert assembly_page.status_code == 200
    html = assembly_page.text
    assert SITTING in html and all(item in html for item in AGENDA)
    link = re.search(r'<a href="([^"]+)">Projektbuxheti \(PDF\)</a>', html)
    assert link, html
    download = client.get(f"/{ASSEMBLY}/{link[1]}")
    assert download.status_code == 200 and download.content == budget
    front_door = client.get("/").text
    assert SITTING in front_door and AGENDA[0] in front_door
    for public in (html, front_door):
        assert "Shënim i brendshëm" not in public and TITLE not in public
    listed = client.get(f"/api/v1/sessions/{SESSION_ID}/materials", headers=headers).json()
    assert [m["published"] for m in listed["data"]] == [False]

    # A material added later is public with the next announcement (the assembly's page is
    # rebuilt although none of its published sessions changed).
    report = b"%PDF-1.7\nraporti"
    assert _attach(client, headers, sitting, "Raporti", "raporti.pdf", report).status_code == 201
    assert "Raporti</a>" not in client.get(f"/{ASSEMBLY}/").text
    assert client.post(f"/api/v1/sessions/{sitting}/announce", headers=headers).status_code == 200
    later = re.search(r'<a href="([^"]+)">Raporti</a>', client.get(f"/{ASSEMBLY}/").text)
    assert later and client.get(f"/{ASSEMBLY}/{later[1]}").content == report


def test_publishing_the_minutes_makes_the_sessions_materials_public(client: TestClient) -> None:
    headers = _bearer(client)
    minutes_of_before = pdf(2_000)
    attached = _attach(client, headers, SESSION_ID, "Procesverbali", "pv.pdf", minutes_of_before)
    assert attached.status_code == 201, attached.text
    published = client.post(f"/api/v1/sessions/{SESSION_ID}/publish", headers=headers)
    assert published.status_code == 200, published.text
    page = client.get(f"/{ASSEMBLY}/{SESSION_ID}/").text
    link = re.search(r'<a href="([^"]+)">Procesverbali</a>', page)
    assert link, page
    download = client.get(urljoin(f"/{ASSEMBLY}/{SESSION_ID}/", link[1]))
    assert download.status_code == 200 and download.content == minutes_of_before
    listed = client.get(f"/api/v1/sessions/{SESSION_ID}/materials", headers=headers).json()
    assert [m["published"] for m in listed["data"]] == [True]


@pytest.mark.parametrize(
    ("title", "name", "body", "status"),
    [
        ("Buxheti\x07", "buxheti.pdf", b"%PDF-1.7\n", 422),
        ("   ", "buxheti.pdf", b"%PDF-1.7\n", 422),
        ("x" * 301, "buxheti.pdf", b"%PDF-1.7\n", 422),
        ("Program", "program.exe", b"MZ\x90\x00", 422),
        ("Buxheti", "buxheti.pdf", b"<html>not a pdf</html>", 422),
        ("Buxheti", "buxheti.docx", b"%PDF-1.7\n", 422),
        ("Bosh", "bosh.pdf", b"", 422),
        ("I madh", "madh.pdf", b"%PDF-1.7\n" + bytes(MAX_MATERIAL_BYTES), 413),
    ],
)
def test_what_is_not_a_material_is_refused_and_nothing_is_kept(
    client: TestClient, title: str, name: str, body: bytes, status: int
) -> None:
    headers = _bearer(client)
    refused = _attach(client, headers, SESSION_ID, title, name, body)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["message"]
    listed = client.get(f"/api/v1/sessions/{SESSION_ID}/materials", headers=headers).json()
    assert listed["count"] == 0


def test_only_the_assemblys_staff_attach_and_announce(client: TestClient) -> None:
    anonymous = _attach(client, {}, SESSION_ID, "Buxheti", "buxheti.pdf", pdf(100))
    assert anonymous.status_code == 401
    assert client.post(f"/api/v1/sessions/{SESSION_ID}/announce").status_code == 401
    # The clerk's page needs the CSRF token, as every change there does.
    _sign_in_page(client)
    refused = client.post(f"/secretariat/api/sessions/{SESSION_ID}/announce")
    assert refused.status_code == 403


@pytest.mark.browser
def test_a_clerk_announces_a_sitting_from_the_browser(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace, EMAIL)
    page.get_by_label("Titulli").fill(SITTING)
    page.get_by_label("Data").fill("2027-01-20")
    page.get_by_label("Rendi i ditës (një pikë për rresht)").fill("\n".join(AGENDA))
    page.get_by_role("button", name="Planifiko").click()
    row = page.get_by_role("row").filter(has_text=SITTING)
    row.get_by_role("link", name="Rendi i ditës dhe materialet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SITTING)
    # On a phone the page fits its width (the list of file types once ran off it).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    budget = pdf()
    page.get_by_label("Titulli i materialit").fill("Projektbuxheti 2027 (PDF)")
    page.get_by_label("Skedari").set_input_files(
        {"name": "buxheti.pdf", "mimeType": "application/pdf", "buffer": budget}
    )
    page.get_by_role("button", name="Bashkëngjit").click()
    expect(page.locator("ul.materials")).to_contain_text("Projektbuxheti 2027 (PDF)")
    expect(page.locator("ul.materials")).to_contain_text("ende jo publik")

    page.get_by_role("button", name="Publiko rendin e ditës dhe materialet").click()
    page.get_by_role("link", name="Shihini në faqen publike të kuvendit").click()
    upcoming = page.locator("article.upcoming")
    expect(upcoming).to_contain_text(SITTING)
    for item in AGENDA:
        expect(upcoming.locator("ol.agenda")).to_contain_text(item)
    link = upcoming.get_by_role("link", name="Projektbuxheti 2027 (PDF)")
    href = link.get_attribute("href")
    assert href
    assert httpx.get(urljoin(page.url, href)).content == budget
    expect(page.locator("body")).not_to_contain_text(TITLE)  # the draft is not public
