"""``kuvend members add|list`` as an operator runs them: a subprocess, a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kuvend.config import Settings
from kuvend.storage.db import session_scope
from kuvend.storage.members import load_members
from tests.utils.speech import ALBANIAN_SENTENCES, ScriptedTurn, synthesize_session


def kuvend(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environment},
    )


@pytest.mark.slow
def test_members_add_enrols_a_voice_that_members_list_shows(
    settings: Settings, tmp_path: Path
) -> None:
    sample = synthesize_session(
        [ScriptedTurn("a", "sq", text, "sq+m3") for text in ALBANIAN_SENTENCES[:3]],
        tmp_path / "arben.wav",
        pause_s=0.5,
    )
    flac = tmp_path / "arben.flac"  # a secretariat's recorder rarely gives WAV
    subprocess.run(["sox", str(sample.path), str(flac)], check=True)

    added = kuvend(
        "members", "add", "--assembly", "prishtine", "--name", "Arben Krasniqi",
        "--party", "LVV", "--role", "chair", "--voice", str(flac),
    )  # fmt: skip
    listed = kuvend("members", "list", "--assembly", "prishtine", "--json")

    assert added.returncode == 0, added.stderr
    assert "Enrolled Arben Krasniqi (LVV) in prishtine" in added.stdout
    [member] = json.loads(listed.stdout)
    assert (member["name"], member["party"], member["role"]) == ("Arben Krasniqi", "LVV", "chair")
    assert 10.0 <= member["voiceprint_s"] <= 60.0
    # A clerk who switches encoder sees whose prints need enrolling again.
    assert member["voiceprint_encoder"] == "dvector"
    with session_scope(settings.resolved_database_url) as db:
        [stored] = load_members(session=db, assembly="prishtine")
    assert stored.voiceprint is not None
    assert stored.voiceprint.shape == (256,)
    assert abs(float(np.linalg.norm(stored.voiceprint)) - 1.0) < 1e-5

    # Enrolling again after a switch of encoder replaces the print of the one member; `add`
    # made a second "Arben Krasniqi", whose namings then split between two rows.
    again = kuvend(
        "members", "add", "--assembly", "prishtine", "--name", "ARBEN KRASNIQI",
        "--party", "LVV", "--voice", str(flac),
    )  # fmt: skip
    assert again.returncode == 2
    assert again.stderr == (
        f"kuvend: error: Arben Krasniqi is already a member of prishtine (member {member['id']}); "
        f"to enrol their voice again: kuvend members voice {member['id']} --voice FILE\n"
    )
    switched = kuvend(
        "members", "voice", member["id"], "--voice", str(flac), KUVEND_SPEAKER_ENCODER="campplus"
    )
    assert switched.returncode == 0, switched.stderr
    assert f"Enrolled Arben Krasniqi (member {member['id']}) again" in switched.stdout
    [member] = json.loads(kuvend("members", "list", "--json").stdout)
    assert member["voiceprint_encoder"] == "campplus"
    with session_scope(settings.resolved_database_url) as db:
        [stored] = load_members(session=db, assembly="prishtine")
    assert stored.voiceprint is not None and stored.voiceprint.shape == (192,)


@pytest.mark.slow
def test_members_add_refuses_a_missing_sample_in_one_line(
    settings: Settings, tmp_path: Path
) -> None:
    result = kuvend(
        "members", "add", "--assembly", "prishtine", "--name", "X", "--party", "Y",
        "--voice", str(tmp_path / "absent.wav"),
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kuvend: error: no such file: {tmp_path / 'absent.wav'}"
    ]
    assert json.loads(kuvend("members", "list", "--json").stdout) == []
