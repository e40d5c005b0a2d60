"""Storage on SQLite and PostgreSQL: what a re-run or a redelivered task leaves behind."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from kuvend.domain import AudioChunk, Gap, Segment, Word
from kuvend.errors import ConfigError, NotFoundError
from kuvend.storage.artifacts import (
    artifact_key,
    claim_once,
    delete_artifacts,
    load_artifact,
    options_hash,
    save_artifact,
)
from kuvend.storage.chunks import (
    all_chunks_done,
    finish_chunk_stage,
    load_chunks,
    load_progress,
    save_chunks,
    set_chunk_state,
)
from kuvend.storage.db import get_engine, migrate, session_scope
from kuvend.storage.members import assembly_vocabulary, load_members
from kuvend.storage.segments import (
    StoredSpeaker,
    load_segments,
    load_speakers,
    replace_chunk_segments,
    replace_speakers,
)
from kuvend.storage.sessions import (
    create_session,
    ensure_assembly,
    get_session,
    load_session_info,
    replace_gaps,
    set_session_status,
)
from kuvend.storage.tables import ChunkRow, MemberRow, SegmentRow


def _segment(start: float, text: str, chunk: int = 0) -> Segment:
    words = tuple(
        Word(start + 0.3 * i, start + 0.3 * i + 0.25, word, 0.9 - 0.5 * (i == 1), i == 1)
        for i, word in enumerate(text.split())
    )
    return Segment(
        start_s=start,
        end_s=start + 0.3 * len(words),
        text=text,
        language="sq",
        language_probability=0.8,
        words=words,
        chunk_index=chunk,
    )


def _new_session(url: str) -> str:
    with session_scope(url) as s:
        row = create_session(
            session=s, assembly="prishtine", title="Seanca e 3", date=date(2025, 3, 14)
        )
        save_chunks(
            session=s,
            session_id=row.id,
            chunks=[AudioChunk(i, Path(f"/media/c{i}.wav"), 30.0 * i, 30.0) for i in range(3)],
        )
        return row.id


def test_migrate_twice_is_harmless(database_url: str) -> None:
    migrate(database_url)
    session_id = _new_session(database_url)
    migrate(database_url)
    with session_scope(database_url) as s:
        assert get_session(session=s, session_id=session_id).title == "Seanca e 3"


def test_session_info_carries_metadata_script_and_gaps(database_url: str) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        ensure_assembly(session=s, slug="prishtine").serbian_script = "cyrillic"
        replace_gaps(session=s, session_id=session_id, gaps=[Gap(40.0, 42.5, "stream dropped")])
    with session_scope(database_url) as s:
        info = load_session_info(session=s, session_id=session_id)
    assert (info.assembly, info.title, info.date) == ("prishtine", "Seanca e 3", date(2025, 3, 14))
    assert info.languages == ("sq", "sr")
    assert info.serbian_script == "cyrillic"
    assert info.gaps == (Gap(40.0, 42.5, "stream dropped"),)


def test_unknown_session_is_not_found(database_url: str) -> None:
    with session_scope(database_url) as s, pytest.raises(NotFoundError, match="no session"):
        load_progress(session=s, session_id="nope")


def test_saving_chunks_again_updates_instead_of_adding(database_url: str) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        save_chunks(
            session=s,
            session_id=session_id,
            chunks=[AudioChunk(i, Path(f"/moved/c{i}.wav"), 30.0 * i, 29.5) for i in range(4)],
        )
    with session_scope(database_url) as s:
        chunks = load_chunks(session=s, session_id=session_id)
        rows = s.scalar(select(func.count()).where(ChunkRow.session_id == session_id))
    assert rows == 4
    assert [c.index for c in chunks] == [0, 1, 2, 3]
    assert chunks[1] == AudioChunk(1, Path("/moved/c1.wav"), 30.0, 29.5)


def test_replacing_a_chunks_segments_twice_leaves_one_copy(database_url: str) -> None:
    session_id = _new_session(database_url)
    first = [_segment(0.5, "mirëdita të nderuar"), _segment(3.0, "po e hapim seancën")]
    other = [_segment(31.0, "hvala predsedavajući", chunk=1)]
    for _ in range(2):
        with session_scope(database_url) as s:
            replace_chunk_segments(session=s, session_id=session_id, chunk_index=0, segments=first)
            replace_chunk_segments(session=s, session_id=session_id, chunk_index=1, segments=other)
    with session_scope(database_url) as s:
        loaded = load_segments(session=s, session_id=session_id)
        only_0 = load_segments(session=s, session_id=session_id, chunk_index=0)
    assert loaded == [*first, *other]  # words, languages and times survive the round trip
    assert only_0 == first


def test_reviewed_segments_survive_a_rerun_and_block_overlapping_new_ones(
    database_url: str,
) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        replace_chunk_segments(
            session=s, session_id=session_id, chunk_index=0, segments=[_segment(0.5, "ora gabim")]
        )
    with session_scope(database_url) as s:
        row = s.scalars(select(SegmentRow).where(SegmentRow.session_id == session_id)).one()
        row.text, row.reviewed = "ora e saktë", True
    with session_scope(database_url) as s:
        kept = replace_chunk_segments(
            session=s,
            session_id=session_id,
            chunk_index=0,
            segments=[_segment(0.6, "ora tjetër"), _segment(10.0, "fjali e re")],
        )
    with session_scope(database_url) as s:
        texts = [seg.text for seg in load_segments(session=s, session_id=session_id)]
    assert kept == 1
    assert texts == ["ora e saktë", "fjali e re"]


def test_an_artifact_is_saved_once_and_keyed_by_its_options(database_url: str) -> None:
    session_id = _new_session(database_url)
    key = artifact_key(session_id, 2, "transcribe", {"beam_size": 5})
    assert key != artifact_key(session_id, 2, "transcribe", {"beam_size": 1})
    assert key == artifact_key(session_id, 2, "transcribe", {"beam_size": 5})
    with session_scope(database_url) as s:
        # Numeric code hands numpy scalars over; they are stored as plain JSON numbers.
        payload = {"n": np.int64(1), "low": np.float32(0.5) < 1, "p": [np.float32(0.25)]}
        assert save_artifact(session=s, key=key, session_id=session_id, payload=payload)
    with session_scope(database_url) as s:
        assert not save_artifact(session=s, key=key, session_id=session_id, payload={"n": 2})
        # The transaction is still usable after losing on the key.
        set_chunk_state(session=s, session_id=session_id, index=2, state="done")
    with session_scope(database_url) as s:
        assert load_artifact(session=s, key=key) == {"n": 1, "low": True, "p": [0.25]}
        assert load_progress(session=s, session_id=session_id).chunks[2].state == "done"
        assert delete_artifacts(session=s, session_id=session_id, stage="transcribe") == 1
        assert load_artifact(session=s, key=key) is None


def test_two_concurrent_saves_of_one_stage_write_its_segments_once(database_url: str) -> None:
    """A duplicate delivery racing the original: the second blocks on the key, then backs off."""
    session_id = _new_session(database_url)
    key = artifact_key(session_id, 0, "transcribe", None)
    segments = [_segment(0.5, "një"), _segment(2.0, "dy")]
    first_holds_key = threading.Event()
    results: dict[str, bool] = {}

    def save(name: str) -> None:
        if name == "second":
            first_holds_key.wait(10)
        with session_scope(database_url) as s:
            won = save_artifact(session=s, key=key, session_id=session_id, payload={})
            results[name] = won
            if name == "first":
                first_holds_key.set()
                threading.Event().wait(0.5)  # let the second one reach the key and block
            if won:
                replace_chunk_segments(
                    session=s, session_id=session_id, chunk_index=0, segments=segments
                )

    threads = [threading.Thread(target=save, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"first": True, "second": False}
    with session_scope(database_url) as s:
        assert len(load_segments(session=s, session_id=session_id)) == 2


def test_claim_once_lets_one_owner_in_and_lets_it_back_in(database_url: str) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        assert claim_once(session=s, session_id=session_id, name="finalise", owner="task-a")
    with session_scope(database_url) as s:
        assert not claim_once(session=s, session_id=session_id, name="finalise", owner="task-b")
        assert claim_once(session=s, session_id=session_id, name="finalise", owner="task-a")


def test_progress_counts_attempts_and_knows_when_all_chunks_are_done(database_url: str) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        set_session_status(session=s, session_id=session_id, status="processing")
        for index in range(3):
            set_chunk_state(
                session=s, session_id=session_id, index=index, state="running", stage="transcribe"
            )
        # Chunk 1 is redelivered after its worker died.
        set_chunk_state(
            session=s, session_id=session_id, index=1, state="running", stage="transcribe"
        )
        # A new stage starts counting again.
        set_chunk_state(session=s, session_id=session_id, index=0, state="running", stage="diarize")
        set_chunk_state(session=s, session_id=session_id, index=0, state="done")
        set_chunk_state(session=s, session_id=session_id, index=1, state="done")
        assert not all_chunks_done(session=s, session_id=session_id)
        set_chunk_state(
            session=s, session_id=session_id, index=2, state="failed", error="bad audio"
        )
    with session_scope(database_url) as s:
        progress = load_progress(session=s, session_id=session_id)
        set_chunk_state(session=s, session_id=session_id, index=2, state="done")
        assert all_chunks_done(session=s, session_id=session_id)
    assert progress.status == "processing" and not progress.finished
    assert progress.chunks_done == 2
    assert [c.attempts for c in progress.chunks] == [1, 2, 1]
    assert (progress.chunks[2].state, progress.chunks[2].error) == ("failed", "bad audio")


def test_a_session_without_chunks_is_not_done(database_url: str) -> None:
    with session_scope(database_url) as s:
        row = create_session(session=s, assembly="a", title="t", date=date(2025, 1, 1))
        assert not all_chunks_done(session=s, session_id=row.id)


def test_speakers_are_replaced_with_their_centroids(database_url: str) -> None:
    session_id = _new_session(database_url)
    rng = np.random.default_rng(7)
    centroid = rng.standard_normal(256).astype(np.float32)
    speakers = [StoredSpeaker(f"S{n}", None, centroid * n, 10.0 * n) for n in (1, 2, 10)]
    with session_scope(database_url) as s:
        replace_speakers(session=s, session_id=session_id, speakers=speakers[:1])
        replace_speakers(session=s, session_id=session_id, speakers=reversed(speakers))
    with session_scope(database_url) as s:
        loaded = load_speakers(session=s, session_id=session_id)
    assert [sp.label for sp in loaded] == ["S1", "S2", "S10"]
    assert loaded[2].seconds == 100.0
    assert loaded[1].centroid is not None
    np.testing.assert_array_equal(loaded[1].centroid, centroid * 2)


def test_members_and_vocabulary_of_an_assembly(database_url: str) -> None:
    voice = np.linspace(-1, 1, 256, dtype=np.float32)
    with session_scope(database_url) as s:
        ensure_assembly(session=s, slug="mitrovice").vocabulary = ["Ibër", "Mitrovicë"]
        s.add(
            MemberRow(assembly_slug="mitrovice", name="Arta Krasniqi", voiceprint=voice.tobytes())
        )
        s.add(MemberRow(assembly_slug="mitrovice", name="Milan Jovanović", party="SL"))
    with session_scope(database_url) as s:
        members = load_members(session=s, assembly="mitrovice")
        vocabulary = assembly_vocabulary(session=s, assembly="mitrovice")
    assert [(m.name, m.party) for m in members] == [
        ("Arta Krasniqi", None),
        ("Milan Jovanović", "SL"),
    ]
    assert members[0].voiceprint is not None and members[1].voiceprint is None
    np.testing.assert_array_equal(members[0].voiceprint, voice)
    assert set(vocabulary) == {"Ibër", "Mitrovicë", "Arta Krasniqi", "Milan Jovanović"}


def test_options_hash_sees_nested_option_records() -> None:
    @dataclasses.dataclass(frozen=True)
    class Options:
        beam_size: int
        vocabulary: tuple[str, ...]

    one = options_hash((Options(5, ("Ibër",)), "base", "0.1.0"))
    assert one == options_hash((Options(5, ("Ibër",)), "base", "0.1.0"))
    assert one != options_hash((Options(5, ("Ibar",)), "base", "0.1.0"))
    assert one != options_hash((Options(5, ("Ibër",)), "large-v3", "0.1.0"))


def test_a_finished_stage_waits_for_the_next_without_going_backwards(database_url: str) -> None:
    session_id = _new_session(database_url)
    with session_scope(database_url) as s:
        set_chunk_state(
            session=s, session_id=session_id, index=0, state="running", stage="transcribe"
        )
        assert finish_chunk_stage(session=s, session_id=session_id, index=0, stage="transcribe")
        # Chunk 1's next stage already started on another worker before this one reported.
        set_chunk_state(session=s, session_id=session_id, index=1, state="running", stage="diarize")
        assert not finish_chunk_stage(session=s, session_id=session_id, index=1, stage="transcribe")
    with session_scope(database_url) as s:
        chunks = load_progress(session=s, session_id=session_id).chunks
    assert (chunks[0].state, chunks[0].stage) == ("queued", "transcribe")
    assert (chunks[1].state, chunks[1].stage) == ("running", "diarize")


def test_a_database_from_a_newer_kuvend_is_a_one_line_config_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kuvend.db'}"
    migrate(url)
    with get_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(ConfigError, match="schema this Kuvend does not know"):
        migrate(url)
