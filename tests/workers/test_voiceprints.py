"""Voiceprints learn from reviewers' namings only where the assembly opted in (issue 4)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kuvend.config import Settings
from kuvend.errors import ConflictError
from kuvend.storage.db import session_scope
from kuvend.storage.members import load_voiceprint
from kuvend.storage.segments import StoredSpeaker, replace_speakers
from kuvend.storage.sessions import create_session
from kuvend.storage.tables import AssemblyRow, MemberRow
from workers.voiceprints import learn_from_naming


def _unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


@pytest.fixture
def named_session(settings: Settings, database_url: str) -> tuple[Settings, str, str]:
    config = settings.model_copy(update={"database_url": database_url})
    with session_scope(database_url) as db:
        row = create_session(session=db, assembly="gjilan", title="Seanca", date=date(2025, 3, 1))
        member = MemberRow(
            assembly_slug="gjilan",
            name="Arta Krasniqi",
            voiceprint=_unit([1, 0, 0]).astype("<f4").tobytes(),
            voiceprint_seconds=30.0,
            voiceprint_encoder=config.speaker_encoder,
        )
        db.add(member)
        db.flush()
        replace_speakers(
            session=db,
            session_id=row.id,
            speakers=[
                StoredSpeaker(
                    "S1", member.id, _unit([0, 1, 0]), 30.0, voice_space=config.speaker_encoder
                )
            ],
        )
        return config, row.id, member.id


def _voiceprint(url: str, member_id: str, space: str = "dvector") -> tuple[np.ndarray, float]:
    with session_scope(url) as db:
        stored = load_voiceprint(session=db, member_id=member_id, voice_space=space)
    assert stored is not None
    return stored


def _opt_in(url: str) -> None:
    with session_scope(url) as db:
        assembly = db.get(AssemblyRow, "gjilan")
        assert assembly is not None
        assembly.learn_voiceprints = True


def test_an_assembly_that_did_not_opt_in_keeps_its_voiceprints(
    named_session: tuple[Settings, str, str],
) -> None:
    settings, session_id, member_id = named_session
    learned = learn_from_naming(
        settings=settings, session_id=session_id, label="S1", member_id=member_id
    )
    assert not learned
    embedding, seconds = _voiceprint(settings.resolved_database_url, member_id)
    assert np.allclose(embedding, _unit([1, 0, 0])) and seconds == 30.0


def test_a_naming_moves_the_voiceprint_towards_the_reviewed_speaker(
    named_session: tuple[Settings, str, str],
) -> None:
    settings, session_id, member_id = named_session
    _opt_in(settings.resolved_database_url)
    assert learn_from_naming(
        settings=settings, session_id=session_id, label="S1", member_id=member_id
    )
    embedding, seconds = _voiceprint(settings.resolved_database_url, member_id)
    # Equal seconds on both sides: halfway between the two directions, normalised.
    assert np.allclose(embedding, _unit([1, 1, 0]), atol=1e-6)
    assert seconds == pytest.approx(60.0)


def test_a_voiceprint_of_another_encoder_is_replaced_not_mixed(
    named_session: tuple[Settings, str, str],
) -> None:
    settings, session_id, member_id = named_session
    _opt_in(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as db:
        member = db.get(MemberRow, member_id)
        assert member is not None
        member.voiceprint_encoder = "resemblyzer"
    with session_scope(settings.resolved_database_url) as db:
        # Asked for in the configured (d-vector) space, the Resemblyzer voiceprint is absent.
        assert load_voiceprint(session=db, member_id=member_id, voice_space="dvector") is None

    assert learn_from_naming(
        settings=settings, session_id=session_id, label="S1", member_id=member_id
    )
    embedding, seconds = _voiceprint(settings.resolved_database_url, member_id)
    # Re-enrolled from the reviewed speaker alone: nothing of the other space's vector remains.
    assert np.allclose(embedding, _unit([0, 1, 0]), atol=1e-6)
    assert seconds == pytest.approx(30.0)


def test_a_session_measured_with_another_encoder_never_replaces_the_print_in_use(
    named_session: tuple[Settings, str, str],
) -> None:
    """Processed with CAM++ before a switch to the d-vector: naming a speaker there leaves the
    member's d-vector print alone; asking to enrol from it says why not."""
    settings, session_id, member_id = named_session
    _opt_in(settings.resolved_database_url)
    _measure_s1(settings, session_id, member_id, voice_space="campplus")
    assert settings.speaker_encoder == "dvector"

    assert not learn_from_naming(
        settings=settings, session_id=session_id, label="S1", member_id=member_id
    )
    with pytest.raises(ConflictError, match=r"another speaker encoder \(campplus\).*\(dvector\)"):
        learn_from_naming(settings=settings, session_id=session_id, label="S1", explicit=True)
    embedding, seconds = _voiceprint(settings.resolved_database_url, member_id)
    assert np.allclose(embedding, _unit([1, 0, 0])) and seconds == 30.0


def test_an_older_session_without_a_recorded_encoder_is_judged_by_size(
    named_session: tuple[Settings, str, str],
) -> None:
    settings, session_id, member_id = named_session
    _measure_s1(settings, session_id, member_id, voice_space=None)
    with pytest.raises(ConflictError, match="unrecorded"):
        learn_from_naming(settings=settings, session_id=session_id, label="S1", explicit=True)
    embedding, _ = _voiceprint(settings.resolved_database_url, member_id)
    assert np.allclose(embedding, _unit([1, 0, 0]))


def _measure_s1(
    settings: Settings, session_id: str, member_id: str, *, voice_space: str | None
) -> None:
    """Speaker S1 of the session, named as the member, with a 192-dim (CAM++-sized) centroid
    measured in ``voice_space`` (None: not recorded, as in a session processed earlier)."""
    centroid = np.zeros(192, dtype=np.float32)
    centroid[5] = 1.0
    with session_scope(settings.resolved_database_url) as db:
        replace_speakers(
            session=db,
            session_id=session_id,
            speakers=[StoredSpeaker("S1", member_id, centroid, 20.0, voice_space=voice_space)],
        )
