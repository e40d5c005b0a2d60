"""'Enrol this voice': a speaker of the session named as a member becomes (or refines) that
member's voiceprint when the clerk asks, whether or not the assembly learns from namings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.members import learns_voiceprints, load_voiceprint
from kuvend.storage.segments import StoredSpeaker, replace_speakers
from search_api.app import create_app
from tests.secretariat.conftest import SESSION_ID, seeded
from tests.secretariat.seed import ASSEMBLY, EMAIL, PASSWORD
from workers.actions import PipelineActions
from workers.voiceprints import voice_space

ANA = np.asarray([0.6, 0.8, 0.0], dtype=np.float32)
MARKO = np.asarray([0.0, 0.6, 0.8], dtype=np.float32)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = seeded(tmp_path / "data")
    with session_scope(settings.resolved_database_url) as db:
        replace_speakers(
            session=db,
            session_id=SESSION_ID,
            speakers=[
                StoredSpeaker("S1", "m-ana", ANA, 42.0, voice_space="dvector"),
                StoredSpeaker("S2", "m-marko", MARKO, 18.5, voice_space="dvector"),
                StoredSpeaker("S3", None, ANA, 9.0, voice_space="dvector"),
            ],
        )
    with TestClient(create_app(settings, actions=PipelineActions(settings))) as client:
        yield client


def _settings(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def _voiceprint(settings: Settings, member_id: str) -> tuple[np.ndarray, float] | None:
    with session_scope(settings.resolved_database_url) as db:
        return load_voiceprint(session=db, member_id=member_id, voice_space=voice_space(settings))


def _editor(client: TestClient) -> tuple[str, str]:
    """Signs in through the form; the editor's HTML and its CSRF token."""
    form = client.get("/secretariat/signin").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token
    client.post(
        "/secretariat/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf": token[1]},
        follow_redirects=False,
    )
    editor = client.get(f"/secretariat/sessions/{SESSION_ID}").text
    config = re.search(r'id="editor-config">(.*?)</script>', editor)
    assert config
    return editor, json.loads(config[1])["csrf"]


def test_the_editor_enrols_a_named_speakers_voice(client: TestClient) -> None:
    settings = _settings(client)
    with session_scope(settings.resolved_database_url) as db:
        assert not learns_voiceprints(session=db, assembly=ASSEMBLY)  # no opt-in needed
    assert _voiceprint(settings, "m-ana") is None
    editor, csrf = _editor(client)
    button = r'<button type="button" class="enrol" data-label="(S\d)"( hidden)?>'
    buttons = re.findall(button, editor)
    assert buttons == [("S1", ""), ("S2", ""), ("S3", " hidden")]  # S3 is nobody yet
    assert "Regjistro këtë zë" in editor

    url = f"/secretariat/api/sessions/{SESSION_ID}/speakers/S1/voice"
    assert client.post(url).status_code == 403  # a change needs the CSRF token
    enrolled = client.post(url, headers={"X-CSRF-Token": csrf})
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["message"] == (
        "Zëri i Ana Kelmendi u regjistrua (42 s të folurit): seancat e ardhshme e njohin."
    )
    stored = _voiceprint(settings, "m-ana")
    assert stored is not None
    assert np.allclose(stored[0], ANA) and stored[1] == 42.0

    # Enrolling again refines the voiceprint with the same speech (weighted by seconds).
    assert client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 200
    again = _voiceprint(settings, "m-ana")
    assert again is not None and again[1] == 84.0

    unnamed = client.post(
        f"/secretariat/api/sessions/{SESSION_ID}/speakers/S3/voice", headers={"X-CSRF-Token": csrf}
    )
    assert unnamed.status_code == 409
    assert "not named as a member" in unnamed.json()["error"]["message"]
    unknown = client.post(
        f"/secretariat/api/sessions/{SESSION_ID}/speakers/S9/voice", headers={"X-CSRF-Token": csrf}
    )
    assert unknown.status_code == 404


def test_the_api_enrols_a_speakers_voice_for_staff_only(client: TestClient) -> None:
    url = f"/api/v1/sessions/{SESSION_ID}/speakers/S2/voice"
    assert client.post(url).status_code == 401
    token = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    enrolled = client.post(url, headers=headers)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json() == {"member_id": "m-marko", "speech_s": 18.5}
    stored = _voiceprint(_settings(client), "m-marko")
    assert stored is not None and np.allclose(stored[0], MARKO)


def test_a_member_typed_in_the_other_script_or_case_is_the_member(client: TestClient) -> None:
    # A fresh reviewer's find: "Марко Јовановић" for S3 was refused as a second Marko Jovanović.
    _, csrf = _editor(client)
    url = f"/secretariat/api/sessions/{SESSION_ID}/speakers/S3"
    for typed in ("Марко Јовановић", "MARKO JOVANOVIĆ"):
        named = client.put(url, json={"name": typed}, headers={"X-CSRF-Token": csrf})
        assert named.status_code == 200, named.text
        assert named.json() == {"label": "S3", "name": "Marko Jovanović", "created": False}
    guest = client.put(url, json={"name": "Јелена Петровић"}, headers={"X-CSRF-Token": csrf})
    assert guest.status_code == 200 and guest.json()["created"] is True
