"""axe-core on the secretariat's pages, in every interface language: no serious or critical
violations on the sign-in page, the session list, the editor and a session's agenda and
materials."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.secretariat.conftest import SESSION_ID, Workspace
from tests.secretariat.seed import EMAIL, PASSWORD

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


@pytest.mark.parametrize("language", ["sq", "sr", "sr-Cyrl", "en"])
def test_pages_have_no_serious_violations(
    page: Page, shared_workspace: Workspace, language: str
) -> None:
    page.goto(shared_workspace.page(f"/secretariat/signin?lang={language}"))
    expect(page.locator("html")).to_have_attribute(
        "lang", {"sr": "sr-Latn"}.get(language, language)
    )
    found = {"signin": _serious(page)}
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/secretariat/sessions")
    found["sessions"] = _serious(page)
    page.goto(shared_workspace.page(f"/secretariat/sessions/{SESSION_ID}"))
    expect(page.locator("#transcript")).to_have_attribute("data-ready", "true")
    found["editor"] = _serious(page)
    page.goto(shared_workspace.page(f"/secretariat/sessions/{SESSION_ID}/materials"))
    expect(page.locator("#announce")).to_be_visible()
    found["materials"] = _serious(page)
    assert found == {"signin": [], "sessions": [], "editor": [], "materials": []}
