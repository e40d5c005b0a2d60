"""The embedded diarizer on synthetic speech: real Silero VAD, the real d-vector encoder."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from diarize import DiarizeOptions, get_diarizer, link_speakers
from kuvend.domain import AudioChunk, ChunkDiarization, Diarization
from tests.utils.speech import SyntheticSession, bilingual_dialogue, silence, synthesize_session


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    """An Albanian chair (sq+m3) and a Serbian councillor (sr+f3), six alternating turns."""
    target = tmp_path_factory.mktemp("dialogue") / "dialogue.wav"
    return synthesize_session(bilingual_dialogue(6), target)


@pytest.fixture(scope="module")
def chunk_diarization(dialogue: SyntheticSession) -> ChunkDiarization:
    chunk = AudioChunk(0, dialogue.path, 0.0, dialogue.duration_s)
    return get_diarizer("embedded").diarize_chunk(chunk, DiarizeOptions())


def majority_speakers(session: SyntheticSession, diarization: Diarization) -> list[tuple[str, str]]:
    """(reference speaker, hypothesis speaker covering most of that reference turn) per turn."""
    pairs = []
    for turn in session.turns:
        overlap: Counter[str] = Counter()
        for hypothesis in diarization.turns:
            seconds = min(turn.end_s, hypothesis.end_s) - max(turn.start_s, hypothesis.start_s)
            if seconds > 0:
                overlap[hypothesis.speaker] += seconds
        assert overlap, f"no speaker found in reference turn {turn}"
        pairs.append((turn.speaker, overlap.most_common(1)[0][0]))
    return pairs


def test_two_voices_give_exactly_two_consistent_speakers(
    dialogue: SyntheticSession, chunk_diarization: ChunkDiarization
) -> None:
    diarization = link_speakers([chunk_diarization], DiarizeOptions())

    assert {turn.speaker for turn in diarization.turns} == {"S1", "S2"}
    assert set(diarization.centroids) == {"S1", "S2"}
    mapping = dict(majority_speakers(dialogue, diarization))
    # Same reference speaker -> same label, every time; different speakers -> different labels.
    assert majority_speakers(dialogue, diarization) == [
        (turn.speaker, mapping[turn.speaker]) for turn in dialogue.turns
    ]
    assert mapping == {"chair": "S1", "councillor": "S2"}  # S1 is who spoke first


def test_turns_are_exclusive_ordered_and_inside_the_session(
    dialogue: SyntheticSession, chunk_diarization: ChunkDiarization
) -> None:
    turns = link_speakers([chunk_diarization], DiarizeOptions()).turns

    assert all(0.0 <= turn.start_s < turn.end_s <= dialogue.duration_s for turn in turns)
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(turns))
    # Speech is found where it was spoken: at least 90% of every reference turn is covered.
    for reference in dialogue.turns:
        covered = sum(
            max(0.0, min(reference.end_s, t.end_s) - max(reference.start_s, t.start_s))
            for t in turns
        )
        assert covered >= 0.9 * (reference.end_s - reference.start_s)


def test_speaker_count_bounds_are_obeyed(chunk_diarization: ChunkDiarization) -> None:
    one = link_speakers([chunk_diarization], DiarizeOptions(max_speakers=1))
    three = link_speakers([chunk_diarization], DiarizeOptions(min_speakers=3))

    assert {turn.speaker for turn in one.turns} == {"S1"}
    assert {turn.speaker for turn in three.turns} == {"S1", "S2", "S3"}


def test_chunk_diarization_survives_json(chunk_diarization: ChunkDiarization) -> None:
    again = ChunkDiarization.from_dict(chunk_diarization.to_dict())

    assert again == chunk_diarization
    assert all(
        (a.embedding == b.embedding).all()
        for a, b in zip(again.regions, chunk_diarization.regions, strict=True)
    )


def test_silence_has_no_speakers(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    silence(5.0, path)
    chunk = get_diarizer("embedded").diarize_chunk(AudioChunk(0, path, 0.0, 5.0), DiarizeOptions())

    diarization = link_speakers([chunk], DiarizeOptions())

    assert chunk.regions == ()
    assert diarization.turns == ()
    assert diarization.duration_s == 5.0


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match="embedded, pyannote"):
        get_diarizer("nemo")


def test_the_default_embedded_path_never_loads_torch(dialogue: SyntheticSession) -> None:
    """torch alone adds about 240 MB to a worker; the default diarizer runs on onnxruntime."""
    script = f"""
import sys
from pathlib import Path
from diarize import DiarizeOptions, get_diarizer, link_speakers
from kuvend.domain import AudioChunk
chunk = AudioChunk(0, Path({str(dialogue.path)!r}), 0.0, {dialogue.duration_s})
local = get_diarizer("embedded").diarize_chunk(chunk, DiarizeOptions())
print(len(link_speakers([local], DiarizeOptions()).centroids), "torch" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert done.stdout.split() == ["2", "False"]
