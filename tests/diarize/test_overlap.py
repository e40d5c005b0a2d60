"""Overlapped speech with the real segmentation-3.0 network on onnxruntime, on real speech.

Two MPs of two parliaments (../shared/eval: Croatian and Serbian ParlaSpeech) are made to talk
over each other for four seconds; the detector's threshold was chosen on AMI excerpts, none of
which is used here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile

from diarize import DiarizeOptions, get_diarizer, link_speakers, mark_overlaps
from diarize.overlap import find_overlaps, overlap_probability, second_voices
from diarize.powerset import SegmentationModel
from kuvend.domain import SAMPLE_RATE_HZ, AudioChunk, ChunkDiarization, Segment, SpeakerTurn
from models import resolve_segmentation_model
from tests.conftest import MODEL_CACHE_DIR
from tests.diarize.sessions import write_crosstalk
from tests.transcribe.conftest import eval_path

CROATIAN_MP = "hr/parlaspeech_hr_2021/hr_parlaspeech_2021-12-06-0_u78044_1174-1367.wav"
SERBIAN_MP = "sr/parlaspeech_rs_lid/sr_parlaspeech_2014-09-03-0_u8176_5486-5731.wav"
#: In the mix: the Croatian MP alone, both at once, then the Serbian MP alone.
TOGETHER = (8.0, 12.0)


@pytest.fixture(scope="module")
def model() -> Path:
    return resolve_segmentation_model(MODEL_CACHE_DIR)


@pytest.fixture(scope="module")
def crosstalk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s: 8 s of one MP, 4 s of both (summed, each at its own level), 8 s of the other."""
    target = tmp_path_factory.mktemp("crosstalk") / "crosstalk.wav"
    return write_crosstalk(eval_path(CROATIAN_MP), eval_path(SERBIAN_MP), target, together=TOGETHER)


def _seconds_inside(overlaps: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in overlaps)


def test_two_mps_talking_over_each_other_are_found_and_nowhere_else(
    model: Path, crosstalk: Path
) -> None:
    options = DiarizeOptions()
    diarizer = get_diarizer("embedded", overlap_model=model)
    # On the session clock: the chunk starts 100 s into the session.
    chunk = AudioChunk(3, crosstalk, 100.0, 20.0)
    result = diarizer.diarize_chunk(chunk, options)
    overlaps = list(result.overlaps)
    start, end = 100.0 + TOGETHER[0], 100.0 + TOGETHER[1]
    found = _seconds_inside(overlaps, start, end)
    elsewhere = sum(b - a for a, b in overlaps) - found
    assert found >= 0.5 * (end - start), overlaps
    # The edges of the crosstalk are fuzzy by a few frames; nothing far from it.
    assert (
        _seconds_inside(overlaps, 100.0, start - 0.5) + _seconds_inside(overlaps, end + 0.5, 120.0)
        < 0.3
    ), overlaps
    assert elsewhere < 1.5, overlaps

    # Linked, the crosstalk carries both MPs: the turn's speaker, and the other as second voice.
    diarization = link_speakers([result], options)
    assert len(diarization.centroids) == 2
    voices = [v for v in diarization.second_voices if v.start_s < end and v.end_s > start]
    assert voices
    for voice in voices:
        covering: Counter[str] = Counter()
        for turn in diarization.turns:
            covering[turn.speaker] += max(
                0.0, min(turn.end_s, voice.end_s) - max(turn.start_s, voice.start_s)
            )
        assert voice.speaker != covering.most_common(1)[0][0]


def test_one_person_speaking_is_never_overlap(model: Path) -> None:
    speech, _ = soundfile.read(str(eval_path(CROATIAN_MP)), dtype="float32")
    options = DiarizeOptions()
    windows = SegmentationModel(model).windows(speech, step_s=options.overlap_step_s)
    overlaps = find_overlaps(
        windows, threshold=options.overlap_threshold, min_duration_s=options.overlap_min_s
    )
    assert sum(end - start for start, end in overlaps) < 0.2, overlaps


def test_audio_shorter_than_a_window_ends_within_the_audio(model: Path) -> None:
    speech, _ = soundfile.read(str(eval_path(CROATIAN_MP)), dtype="float32")
    windows = SegmentationModel(model).windows(speech[: 3 * SAMPLE_RATE_HZ], step_s=2.5)
    probability = overlap_probability(windows)
    assert 3.0 - 0.05 <= len(probability) * 270 / SAMPLE_RATE_HZ <= 3.0 + 0.05
    assert np.all((probability >= 0) & (probability <= 1))


def test_a_segment_is_marked_only_when_enough_of_it_is_overlapped() -> None:
    segments = [
        Segment(0.0, 2.0, "first", "sq", 1.0),
        Segment(2.0, 5.0, "second", "sq", 1.0),
        Segment(5.0, 8.0, "third", "sr", 1.0, overlap=True),
    ]
    # 0.2 s of overlap in the first, 0.1 + 1.0 s in the second, none in the third.
    marked = list(mark_overlaps(segments, [(1.8, 2.1), (3.0, 4.0)], min_overlap_s=0.5))
    assert [segment.overlap for segment in marked] == [False, True, True]
    assert [segment.text for segment in marked] == ["first", "second", "third"]


def test_linking_keeps_every_chunks_overlaps_on_the_session_clock() -> None:
    chunks = [
        ChunkDiarization(1, 30.0, 30.0, (), "embedded", ((30.0, 30.6), (45.0, 46.0))),
        ChunkDiarization(0, 0.0, 30.0, (), "embedded", ((12.0, 13.0), (29.5, 30.0))),
    ]
    diarization = link_speakers(chunks, DiarizeOptions())
    assert diarization.overlaps == ((12.0, 13.0), (29.5, 30.6), (45.0, 46.0))


def test_the_second_voice_is_the_nearest_other_speaker_within_reach() -> None:
    turns = [
        SpeakerTurn(0.0, 10.0, "S1"),
        SpeakerTurn(11.0, 20.0, "S2"),
        SpeakerTurn(40.0, 60.0, "S1"),
        SpeakerTurn(70.0, 80.0, "S3"),
    ]
    overlaps = [(9.0, 10.0), (12.0, 13.0), (50.0, 51.0)]
    voices = second_voices(turns, overlaps, max_gap_s=5.0)
    # S2 interrupts S1 a second early; S1 talks on over S2's start; nobody is near S1 at 50 s.
    assert voices == (SpeakerTurn(9.0, 10.0, "S2"), SpeakerTurn(12.0, 13.0, "S1"))
    assert second_voices([SpeakerTurn(0.0, 30.0, "S1")], [(5.0, 6.0)], max_gap_s=5.0) == ()
    # A stretch across the change of turn: each part's other voice is the other speaker.
    across = second_voices(turns[:2], [(9.5, 11.5)], max_gap_s=5.0)
    assert across == (SpeakerTurn(9.5, 10.0, "S2"), SpeakerTurn(11.0, 11.5, "S1"))
