"""A session processed as a live stream of 30 s chunks keeps each speaker's label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diarize import DiarizeOptions, SpeakerLinker, get_diarizer, link_speakers
from kuvend.domain import AudioChunk, ChunkDiarization, SpeechRegion
from tests.diarize.sessions import cut_into_chunks, majority_label
from tests.utils.speech import (
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ScriptedTurn,
    SyntheticSession,
    silence,
    synthesize_session,
)

#: Three voices that Resemblyzer tells apart (cosine of sentence embeddings <= 0.7).
VOICES = {"chair": ("sq+m3", "sq"), "serbian": ("sr+f3", "sr"), "third": ("sr+Andy", "sr")}
ORDER = ("chair", "serbian", "chair", "third", "serbian", "chair", "third", "chair") * 3


def sentence(language: str, number: int) -> str:
    sentences = ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES
    return sentences[number % len(sentences)]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    """About 2.5 minutes (five 30 s chunks) in which every voice speaks in several chunks."""
    script = [
        ScriptedTurn(name, VOICES[name][1], sentence(VOICES[name][1], n), VOICES[name][0])
        for n, name in enumerate(ORDER)
    ]
    return synthesize_session(script, tmp_path_factory.mktemp("live") / "live.wav", pause_s=0.7)


@pytest.fixture(scope="module")
def chunk_results(
    session: SyntheticSession, tmp_path_factory: pytest.TempPathFactory
) -> list[ChunkDiarization]:
    chunks = cut_into_chunks(session.path, 30.0, tmp_path_factory.mktemp("chunks"))
    diarizer = get_diarizer("embedded")
    return [diarizer.diarize_chunk(chunk, DiarizeOptions()) for chunk in chunks]


@pytest.mark.slow
def test_live_linking_keeps_each_speaker_label_across_chunks(
    session: SyntheticSession, chunk_results: list[ChunkDiarization]
) -> None:
    linker = SpeakerLinker(DiarizeOptions())
    for result in chunk_results:  # one at a time, as chunks close during a live recording
        linker.add(result)
    turns = linker.diarization().turns

    labels = {(ref.speaker, majority_label(ref, turns)) for ref in session.turns}
    by_speaker = {speaker: {label for s, label in labels if s == speaker} for speaker in VOICES}
    assert len(chunk_results) >= 4
    # One label per voice, however many chunks it spoke in, and three different labels.
    assert all(len(found) == 1 for found in by_speaker.values()), by_speaker
    assert len({next(iter(found)) for found in by_speaker.values()}) == 3
    assert by_speaker["chair"] == {"S1"}
    chunks_per_voice = {
        speaker: {int(ref.start_s // 30) for ref in session.turns if ref.speaker == speaker}
        for speaker in VOICES
    }
    assert all(len(chunks) >= 3 for chunks in chunks_per_voice.values())


@pytest.mark.slow
def test_live_labels_agree_with_linking_the_finished_session(
    session: SyntheticSession, chunk_results: list[ChunkDiarization]
) -> None:
    linker = SpeakerLinker(DiarizeOptions())
    mappings = [linker.add(result) for result in chunk_results]
    offline = link_speakers(chunk_results, DiarizeOptions())

    live_turns, offline_turns = linker.diarization().turns, offline.turns
    assert set(linker.centroids) == set(offline.centroids) == {"S1", "S2", "S3"}
    for reference in session.turns:
        assert majority_label(reference, live_turns) == majority_label(reference, offline_turns)
    # Every chunk's local speakers were given session labels, none invented past S3.
    assert all(set(mapping.values()) <= {"S1", "S2", "S3"} for mapping in mappings)


def test_an_empty_stream_has_no_speakers() -> None:
    linker = SpeakerLinker(DiarizeOptions())

    assert linker.diarization().turns == ()
    assert linker.centroids == {}


def test_a_silent_chunk_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    silence(3.0, path)
    quiet = get_diarizer("embedded").diarize_chunk(
        AudioChunk(7, path, 210.0, 3.0), DiarizeOptions()
    )
    linker = SpeakerLinker(DiarizeOptions())

    assert linker.add(quiet) == {}
    assert linker.diarization().duration_s == 213.0


def test_speech_heard_only_by_segmentation_widens_turns_but_weighs_nothing() -> None:
    one, two = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    regions = (
        SpeechRegion(1.0, 3.0, "L0", one),
        SpeechRegion(6.0, 8.0, "L0", one),
        SpeechRegion(9.0, 11.0, "L1", two),
    )
    plain = ChunkDiarization(0, 0.0, 12.0, regions, "embedded")
    # Segmentation heard 3.0-6.0 (quiet speech between two of S1's regions) and 0.5-1.0.
    heard = ChunkDiarization(0, 0.0, 12.0, regions, "embedded", speech=((0.5, 6.0),))
    options = DiarizeOptions()

    before, after = link_speakers([plain], options), link_speakers([heard], options)

    assert [(t.start_s, t.end_s, t.speaker) for t in before.turns] == [
        (1.0, 3.0, "S1"),
        (6.0, 8.0, "S1"),
        (9.0, 11.0, "S2"),
    ]
    # S1's two regions become one turn through the quiet speech; S2 is untouched.
    assert [(t.start_s, t.end_s, t.speaker) for t in after.turns] == [
        (0.5, 8.0, "S1"),
        (9.0, 11.0, "S2"),
    ]
    # Voices are measured only where they were embedded.
    assert all(np.array_equal(after.centroids[s], before.centroids[s]) for s in ("S1", "S2"))
    # A live session hears the same.
    linker = SpeakerLinker(options)
    linker.add(heard)
    assert linker.diarization().turns == after.turns
