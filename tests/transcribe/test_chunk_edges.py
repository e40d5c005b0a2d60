"""Consecutive chunks: the speech running across a cut is decoded once, whole, by one chunk."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from kuvend.domain import AudioChunk
from tests.utils.speech import SyntheticSession, bilingual_dialogue, synthesize_session
from transcribe import TranscribeOptions, WhisperEngine, transcribe_chunks
from transcribe.edges import handover_s

pytestmark = pytest.mark.slow

CHUNK_S = 10.0


def cut(session: SyntheticSession, folder: Path) -> list[AudioChunk]:
    """Fixed 10 s chunks, as ingest cuts them: the cuts fall wherever they fall."""
    chunks = []
    offset, index = 0.0, 0
    while offset < session.duration_s - 0.01:
        length = min(CHUNK_S, session.duration_s - offset)
        path = folder / f"chunk{index:03d}.wav"
        subprocess.run(
            ["sox", str(session.path), str(path), "trim", f"{offset:.3f}", f"{length:.3f}"],
            check=True,
        )
        chunks.append(AudioChunk(index, path, offset, length))
        offset += length
        index += 1
    return chunks


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    return synthesize_session(bilingual_dialogue(4), tmp_path_factory.mktemp("edges") / "s.wav")


def test_no_word_is_lost_or_doubled_at_chunk_edges(
    engine: WhisperEngine, session: SyntheticSession, tmp_path: Path
) -> None:
    chunks = cut(session, tmp_path)
    crossed = [
        turn
        for turn in session.turns
        if any(turn.start_s < chunk.offset_s < turn.end_s for chunk in chunks)
    ]
    assert crossed, "the fixture must put a cut inside a turn"

    chunked = list(transcribe_chunks(engine, chunks, TranscribeOptions()))

    words = [word for segment in chunked for word in segment.words]
    for first, second in itertools.pairwise(words):
        assert second.start_s >= first.end_s - 0.05, f"{first} and {second} overlap: doubled"
    for turn in session.turns:
        inside = [
            (segment.chunk_index, word)
            for segment in chunked
            for word in segment.words
            if turn.start_s - 0.3 <= (word.start_s + word.end_s) / 2 <= turn.end_s + 0.3
        ]
        assert inside, f"turn at {turn.start_s:.1f} s lost"
        # Its words cover the turn: nothing cut off at either end of a chunk.
        covered = inside[-1][1].end_s - inside[0][1].start_s
        assert covered >= 0.7 * (turn.end_s - turn.start_s), (turn, covered)
        # Decoded whole: every word of a turn comes from one chunk, even across a cut.
        assert len({chunk for chunk, _ in inside}) == 1, inside


def test_both_sides_of_a_cut_agree_on_the_handover(
    session: SyntheticSession, tmp_path: Path
) -> None:
    chunks = cut(session, tmp_path)
    options = TranscribeOptions()
    for chunk in chunks[:-1]:
        point = handover_s(chunk, options)
        assert chunk.offset_s <= point <= chunk.end_s
        # No turn straddles the handover point: it lies in a pause or at the chunk's end.
        inside = [t for t in session.turns if t.start_s + 0.1 < point < t.end_s - 0.1]
        assert not inside, (point, inside)
