"""Segmentation-3.0 keeps apart what it is sure are different people: pyannote's sample, two
close voices, no longer collapses into one speaker (its thresholds were chosen on AMI dev, the
ParlaSpeech tuning sessions and synthetic voices; the sample was not used)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from diarize import DiarizeOptions, SpeakerLinker, get_diarizer, link_speakers
from diarize.constraints import separate
from kuvend.domain import AudioChunk, ChunkDiarization, SpeechRegion
from models import resolve_segmentation_model
from tests.conftest import MODEL_CACHE_DIR
from tests.transcribe.conftest import eval_path

SAMPLE = "diarization/pyannote_sample/"


@pytest.fixture(scope="module")
def model() -> Path:
    return resolve_segmentation_model(MODEL_CACHE_DIR)


def _reference(path: Path) -> list[tuple[float, float, str]]:
    turns = []
    for line in path.read_text().splitlines():
        fields = line.split()
        start, duration = float(fields[3]), float(fields[4])
        turns.append((start, start + duration, fields[7]))
    return turns


def test_two_close_voices_are_two_speakers(model: Path) -> None:
    audio = eval_path(SAMPLE + "sample.wav")
    reference = _reference(eval_path(SAMPLE + "sample.rttm"))
    chunk = AudioChunk(0, audio, 0.0, soundfile.info(str(audio)).duration)
    options = DiarizeOptions()

    alone = link_speakers([get_diarizer("embedded").diarize_chunk(chunk, options)], options)
    assert len(alone.centroids) == 1  # the encoder alone cannot tell them apart
    result = get_diarizer("embedded", overlap_model=model).diarize_chunk(chunk, options)
    assert result.distinct
    diarization = link_speakers([result], options)
    assert len(diarization.centroids) == 2

    # The two labels are the two people: each is mostly a different reference speaker.
    majority = {}
    for label in diarization.centroids:
        seconds: Counter[str] = Counter()
        for turn in diarization.turns:
            if turn.speaker != label:
                continue
            for start, end, speaker in reference:
                seconds[speaker] += max(0.0, min(end, turn.end_s) - max(start, turn.start_s))
        majority[label] = seconds.most_common(1)[0][0]
    assert len(set(majority.values())) == 2


def test_a_cluster_holding_two_different_people_is_split_between_them() -> None:
    embeddings = np.array(
        [[1.0, 0.0], [0.99, 0.1], [0.95, 0.3], [0.9, 0.44], [0.0, 1.0]], dtype=np.float32
    )
    labels = np.array([0, 0, 0, 0, 1])
    # Rows 0 and 3 are different people although one cluster holds them.
    parted = separate(labels, embeddings, {(0, 3)})
    assert parted[0] != parted[3]
    assert parted[0] == parted[1] and parted[2] == parted[3]
    assert parted[4] not in {parted[0], parted[3]}
    assert sorted(set(parted.tolist())) == [0, 1, 2]
    assert (separate(labels, embeddings, set()) == labels).all()


def test_parting_a_pair_leaves_no_one_alone_who_belongs_with_either() -> None:
    # A is nearest B, but A and B are different people; C sounds like A more than like B.
    a, b, c = [1.0, 0.0], [0.98, 0.2], [0.97, -0.25]
    embeddings = np.array([a, b, c], dtype=np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    parted = separate(np.zeros(3, dtype=np.int64), embeddings, {(0, 1)})
    # Two people, not three: C stays with A (cutting the plain tree gave each row its own).
    assert parted.tolist() == [0, 1, 0]


def _chunk_of_two_close_voices() -> ChunkDiarization:
    voice = np.array([1.0, 0.0], dtype=np.float32)
    near = np.array([0.999, 0.045], dtype=np.float32)
    regions = (
        SpeechRegion(0.0, 6.0, "L0", voice),
        SpeechRegion(6.0, 12.0, "L1", near / np.linalg.norm(near)),
    )
    return ChunkDiarization(0, 0.0, 12.0, regions, "embedded", distinct=(("L0", "L1"),))


def test_linking_never_joins_what_a_chunk_says_are_different_people() -> None:
    chunk = _chunk_of_two_close_voices()
    options = DiarizeOptions()
    assert len(link_speakers([chunk], options).centroids) == 2
    assert len(link_speakers([replace(chunk, distinct=())], options).centroids) == 1
    # Bounded by the operator, the bound wins.
    assert len(link_speakers([chunk], replace(options, max_speakers=1)).centroids) == 1
    live = SpeakerLinker(options)
    mapping = live.add(chunk)
    assert mapping["L0"] != mapping["L1"]


def test_under_the_operators_bound_the_surest_pairs_are_still_kept_apart() -> None:
    # Three close voices, each pair said to be different people; the operator allows two
    # speakers. All three apart would exceed the bound; the pair furthest apart still is.
    angles = (0.0, 0.03, 0.07)
    regions = tuple(
        SpeechRegion(6.0 * n, 6.0 * (n + 1), f"L{n}", np.array([np.cos(a), np.sin(a)], np.float32))
        for n, a in enumerate(angles)
    )
    pairs = (("L0", "L1"), ("L0", "L2"), ("L1", "L2"))
    chunk = ChunkDiarization(0, 0.0, 18.0, regions, "embedded", distinct=pairs)
    options = DiarizeOptions()
    assert len(link_speakers([replace(chunk, distinct=())], options).centroids) == 1
    assert len(link_speakers([chunk], options).centroids) == 3
    bounded = link_speakers([chunk], replace(options, max_speakers=2))
    assert len(bounded.centroids) == 2
    speaker = {turn.start_s: turn.speaker for turn in bounded.turns}
    assert speaker[0.0] != speaker[12.0]  # L0 and L2, the furthest apart, are two people
