"""Two clerks on one session: a change to a turn gives every line of it a new version, so an
edit of any of those lines made from before it is refused with who changed it, not saved."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.secretariat.conftest import SESSION_ID, seeded
from tests.secretariat.seed import EMAIL, OTHER_EMAIL, PASSWORD
from workers.actions import PipelineActions

API = f"/secretariat/api/sessions/{SESSION_ID}"


def _clerk(app: FastAPI, email: str) -> tuple[TestClient, dict[str, str], list[str]]:
    """A signed-in client, its CSRF header and the editor's line ids."""
    client = TestClient(app)
    form = re.search(r'name="csrf" value="([^"]+)"', client.get("/secretariat/signin").text)
    assert form
    client.post(
        "/secretariat/signin",
        data={"email": email, "password": PASSWORD, "csrf": form[1]},
        follow_redirects=False,
    )
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}").text
    config = re.search(r'id="editor-config">(.*?)</script>', editor)
    assert config, editor[:500]
    ids = re.findall(r'data-segment-id="([^"]+)"', editor)
    return client, {"X-CSRF-Token": json.loads(config[1])["csrf"]}, ids


def test_an_edit_from_before_a_turn_change_is_refused_with_who_changed_it(
    tmp_path: Path,
) -> None:
    settings = seeded(tmp_path / "data")
    app = create_app(settings, actions=PipelineActions(settings))
    first, first_headers, ids = _clerk(app, EMAIL)
    second, second_headers, _ = _clerk(app, OTHER_EMAIL)  # loaded before the turn change

    # The first clerk gives S3's turn (lines 4 and 5) to a new member.
    turn = first.post(
        f"{API}/segments/{ids[3]}/turn", json={"name": "Besa Gashi", "version": 0},
        headers=first_headers,
    )  # fmt: skip
    assert turn.status_code == 200, turn.text
    assert set(turn.json()["ids"]) == {ids[3], ids[4]}
    assert 'data-version="0"' not in turn.json()["html"]  # both lines have a new version

    # The second clerk's edit of line 5, from the version they loaded, is refused.
    stale = second.post(
        f"{API}/segments/{ids[4]}/text", json={"text": "Tekst i vjetër.", "version": 0},
        headers=second_headers,
    )  # fmt: skip
    assert stale.status_code == 409
    assert f"e ndryshoi {EMAIL}" in stale.json()["error"]["message"]
    # A turn given from an old version is refused too; and nothing of either was saved.
    again = second.post(
        f"{API}/segments/{ids[3]}/turn", json={"name": "S1", "version": 0},
        headers=second_headers,
    )  # fmt: skip
    assert again.status_code == 409
    editor = first.get(f"/secretariat/sessions/{SESSION_ID}").text
    assert "Tekst i vjetër." not in editor
    assert editor.count(">Besa Gashi</span>") == 2
