"""A clerk reviews and publishes a session in the browser (Debian's headless Chromium).

Signs in through the form, corrects a line with the keyboard, names a speaker, splits a line
and merges two, publishes, and finds the corrections on the public page; a second clerk who
had the same line open is told who changed it first instead of overwriting it.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.secretariat.conftest import TITLE, Workspace
from tests.secretariat.seed import EMAIL, OTHER_EMAIL, PASSWORD

pytestmark = pytest.mark.browser

CORRECTED = "Mirëdita të gjithëve, e hap seancën e Kuvendit Komunal."
LINES = "#transcript li.seg"


def sign_in(page: Page, workspace: Workspace, email: str) -> None:
    """Through the form, in Albanian (the default); lands on the session list."""
    page.goto(workspace.page("/secretariat/signin?lang=sq"))
    page.get_by_label("Email-i").fill(email)
    page.get_by_label("Fjalëkalimi").fill(PASSWORD)
    page.get_by_role("button", name="Hyr").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seancat")


def open_editor(page: Page) -> None:
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("#transcript")).to_have_attribute("data-ready", "true")


def test_a_clerk_corrects_and_publishes_a_session(
    page: Page, browser: Browser, workspace: Workspace
) -> None:
    sign_in(page, workspace, EMAIL)
    open_editor(page)
    # A second clerk has the same session open in another browser.
    other_context = browser.new_context()
    other = other_context.new_page()
    sign_in(other, workspace, OTHER_EMAIL)
    open_editor(other)

    lines = page.locator(LINES)
    expect(lines).to_have_count(6)
    first = lines.nth(0)
    first_id = first.get_attribute("data-segment-id")
    expect(page.locator("#review-count")).to_contain_text("1")  # one doubtful word

    # Correct the first line with the keyboard only; Ctrl+S saves it.
    page.keyboard.press("Alt+E")  # nothing plays yet: the editor goes to the current line
    first.locator(".text").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(CORRECTED)
    page.keyboard.press("Control+S")
    expect(page.locator("#status")).to_have_text("U ruajt.")
    first = page.locator(f'[data-segment-id="{first_id}"]')
    expect(first).not_to_have_attribute("data-version", "0")
    expect(first.locator(".text")).to_have_text(CORRECTED)
    expect(page.locator("#review-count")).to_contain_text("0")

    # The second clerk edits the same line from what they loaded: refused, with who and when.
    stale = other.locator(f'[data-segment-id="{first_id}"] .text')
    stale.click()
    other.keyboard.press("End")
    other.keyboard.type(" Shtesë.")
    other.keyboard.press("Tab")  # leaving the line saves it
    expect(other.locator("#alert")).to_contain_text(f"e ndryshoi {EMAIL}")
    expect(stale).to_contain_text("Shtesë.")  # their text is still there to copy
    other_context.close()

    # Name speaker S3 everywhere: a new member, made on the fly.
    speaker = page.get_by_role("combobox", name="Folësi S3")
    speaker.fill("Besa Gashi")
    speaker.press("Enter")
    expect(page.locator('.who[data-label="S3"]').first).to_have_text("Besa Gashi")
    expect(page.locator('.who[data-label="S3"]')).to_have_count(2)

    # Split the fourth line before the word "dhe" (cursor in the word, then Alt+S).
    fourth = lines.nth(3)
    fourth_id = fourth.get_attribute("data-segment-id")
    fourth.locator(".w", has_text="dhe").click()
    page.keyboard.press("Alt+S")
    expect(page.locator(LINES)).to_have_count(7)
    kept = page.locator(f'[data-segment-id="{fourth_id}"]')
    expect(kept.locator(".text")).to_have_text("Kam një propozim për rrugët në fshat")
    expect(page.locator(LINES).nth(4).locator(".text")).to_have_text("dhe për shkollat.")

    # Merge "Ju faleminderit shumë." into the line before it (Alt+M).
    page.locator(LINES).nth(5).locator(".text").click()
    page.keyboard.press("Alt+M")
    expect(page.locator(LINES)).to_have_count(6)
    expect(page.locator(LINES).nth(4).locator(".text")).to_have_text(
        "dhe për shkollat. Ju faleminderit shumë."
    )

    if os.environ.get("KUVEND_SCREENSHOT"):
        page.set_viewport_size({"width": 1366, "height": 900})
        page.screenshot(path=str(Path(os.environ["KUVEND_SCREENSHOT"])))

    # Publish, confirming in the dialog; the link leads to the public page.
    page.get_by_role("button", name="Publiko").click()
    expect(page.locator("#publish-summary")).to_contain_text("0 segmente")
    page.get_by_role("button", name="Konfirmo: publiko").click()
    link = page.locator("#published a")
    expect(link).to_contain_text("Versioni i publikuar 1", timeout=60_000)
    href = link.get_attribute("href")
    assert href is not None
    page.goto(workspace.page(href))
    public = page.locator("main")
    expect(public).to_contain_text(CORRECTED)
    expect(public).to_contain_text("Besa Gashi")
    expect(public).to_contain_text("Kam një propozim për rrugët në fshat")
    expect(public).not_to_contain_text("Shtesë")


def test_a_clerk_adds_and_removes_agenda_items(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace, EMAIL)
    open_editor(page)
    title = page.get_by_label("Titulli i pikës")
    for name in ("Pika e parë: buxheti", "Pika e dytë: shkollat"):
        title.fill(name)
        title.press("Enter")
        expect(page.locator("#status")).to_have_text("Pika e rendit të ditës u shtua.")
    agenda = page.locator("#agenda > li")
    expect(agenda).to_have_count(2)

    # Removed with the keyboard; the rest of the agenda stays, and so it is after a reload.
    page.get_by_role("button", name="Hiq pikën «Pika e dytë: shkollat»").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Pika e rendit të ditës u hoq.")
    expect(agenda).to_have_count(1)
    expect(agenda).to_contain_text("Pika e parë: buxheti")
    page.reload()
    expect(page.locator("#transcript")).to_have_attribute("data-ready", "true")
    expect(agenda).to_have_count(1)
    expect(agenda.first).to_contain_text("Pika e parë: buxheti")
    expect(page.get_by_role("button", name="Hiq pikën «Pika e parë: buxheti»")).to_be_visible()


def test_a_guest_named_through_the_api_shows_in_the_editor_as_named(
    page: Page, workspace: Workspace
) -> None:
    guest = "Drejtori i Financave (mysafir)"
    with httpx.Client(base_url=workspace.url) as api:
        signed = api.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        named = api.put(
            f"/api/v1/sessions/{workspace.session_id}/speakers/S3",
            json={"name": guest},
            headers={"Authorization": f"Bearer {signed.json()['access_token']}"},
        )
        assert named.status_code == 200, named.text
    sign_in(page, workspace, EMAIL)
    open_editor(page)
    expect(page.locator("#speaker-S3")).to_have_value(guest)
    expect(page.locator(LINES).nth(3).locator(".who")).to_have_text(guest)
    # S1 and S2 are members, S3 the guest: nobody is left unnamed.
    page.get_by_role("button", name="Publiko").click()
    expect(page.locator("#publish-summary")).to_contain_text("dhe 0 folës nuk kanë emër")
