"""Enrolling a member's voice through the API (issue 4), on SQLite and PostgreSQL.

Real models: Silero VAD measures the speech and Resemblyzer (the embedded diarizer, the
configured one) makes the voiceprint, from espeak-ng speech sent as an Opus file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import diarize
from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.storage.db import session_scope
from kuvend.storage.tables import MemberRow
from search_api.errors import MISSING_MODEL
from tests.search_api.conftest import Api, make_api
from tests.utils.media import ffmpeg
from tests.utils.speech import ALBANIAN_SENTENCES, ScriptedTurn, synthesize_session


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A ~20 s sample of one voice (as Opus), a ~4 s one, and a text file named like audio."""
    folder = tmp_path_factory.mktemp("voice")
    turns = [ScriptedTurn("m", "sq", text, "sq+m3") for text in ALBANIAN_SENTENCES[:4]]
    long = synthesize_session(turns, folder / "long.wav", pause_s=0.5).path
    opus = folder / "Arben Krasniqi.ogg"
    ffmpeg("-i", str(long), "-c:a", "libopus", str(opus))
    short = synthesize_session(turns[:1], folder / "short.wav").path
    text = folder / "zëri.wav"
    text.write_text("jo audio\n" * 100)
    return {"long": opus, "short": short, "text": text}


def put_voice(api: Api, member_id: str, path: Path, role: str = "secretariat_a") -> dict[str, Any]:
    with path.open("rb") as handle:
        response = api.client.put(
            f"/api/v1/members/{member_id}/voice",
            files={"file": (path.name, handle, "application/octet-stream")},
            headers=api.headers(role),
        )
    return {"status": response.status_code, **response.json()}


def test_a_member_is_enrolled_from_a_sample_and_bad_samples_are_refused(
    api: Api, samples: dict[str, Path]
) -> None:
    created = api.client.post(
        "/api/v1/assemblies/prishtine/members",
        json={"name": "Arben Krasniqi", "party": "LVV"},
        headers=api.headers("secretariat_a"),
    ).json()
    member_id = created["id"]
    assert created["has_voiceprint"] is False

    too_short = put_voice(api, member_id, samples["short"])
    assert too_short["status"] == 422
    assert "short.wav has" in too_short["error"]["message"]
    assert "at least 10 s is needed" in too_short["error"]["message"]
    not_audio = put_voice(api, member_id, samples["text"])
    assert not_audio["status"] == 422
    assert "zëri.wav is not a media file" in not_audio["error"]["message"]
    assert put_voice(api, member_id, samples["long"], role="secretariat_b")["status"] == 403
    assert put_voice(api, member_id, samples["long"], role="journalist")["status"] == 401
    assert api.client.get(f"/api/v1/members/{member_id}").json()["has_voiceprint"] is False

    enrolled = put_voice(api, member_id, samples["long"])
    assert enrolled["status"] == 200, enrolled
    assert 10.0 <= enrolled["speech_s"] <= 60.0
    assert api.client.get(f"/api/v1/members/{member_id}").json()["has_voiceprint"] is True

    # What is stored is the configured diarizer's voiceprint of that sample.
    expected = diarize.enrol_voice(samples["long"], diarize.get_diarizer("embedded"))
    with session_scope(api.settings.resolved_database_url) as db:
        row = db.get(MemberRow, member_id)
        assert row is not None and row.voiceprint is not None
        stored = np.frombuffer(row.voiceprint, dtype="<f4")
        assert row.voiceprint_seconds == pytest.approx(expected.speech_s)
    assert np.allclose(stored, expected.embedding, atol=1e-5)

    missing = put_voice(api, "no-such-member", samples["long"])
    assert missing["status"] == 404


def test_a_missing_speaker_model_is_a_503_that_says_so(
    settings: Settings,
    database_url: str,
    corpus: list[Minutes],
    samples: dict[str, Path],
    tmp_path: Path,
) -> None:
    # A fresh user's find: with CAM++ chosen and not prepared, the clerk got a bare 500
    # "internal error", and only the server's log said what to do.
    unprepared = settings.model_copy(
        update={
            "database_url": database_url,
            "speaker_encoder": "campplus",
            "cache_dir": tmp_path / "empty-cache",
        }
    )
    for api in make_api(unprepared, corpus):
        member_id = api.client.post(
            "/api/v1/assemblies/prishtine/members",
            json={"name": "Blerta Gashi", "party": "LDK"},
            headers=api.headers("secretariat_a"),
        ).json()["id"]
        refused = put_voice(api, member_id, samples["long"])
        assert refused["status"] == 503
        assert refused["error"]["message"] == MISSING_MODEL  # what to ask the operator
        member = api.client.get(f"/api/v1/members/{member_id}").json()
        assert member["has_voiceprint"] is False
