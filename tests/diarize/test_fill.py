"""Speech the VAD missed, given to the speaker it continues: the span logic on hand-made
spans (exact answers), and the real segmentation-3.0 network on a real meeting room."""

from __future__ import annotations

from dataclasses import replace

import pytest

from diarize import DiarizeOptions, get_diarizer, link_speakers
from diarize.fill import fill_missed_speech
from kuvend.domain import AudioChunk, SpeakerTurn
from models import resolve_segmentation_model
from tests.conftest import MODEL_CACHE_DIR
from tests.transcribe.conftest import eval_path

#: AMI test excerpt (not one the fill threshold was chosen on): one woman, far from the
#: microphone, speaks 24.16-28.55 s (4.39 s, the reference RTTM); three others say a word each.
AMI_TST01 = "diarization/pyannote_ami_debug/tst01.wav"
QUIET_TURN = (24.159, 28.547)


def test_a_quiet_speaker_in_a_meeting_room_is_heard_for_most_of_her_turn() -> None:
    diarizer = get_diarizer("embedded", overlap_model=resolve_segmentation_model(MODEL_CACHE_DIR))
    chunk = AudioChunk(0, eval_path(AMI_TST01), 0.0, 30.0)
    heard = {}
    for name, options in (
        ("filled", DiarizeOptions()),
        ("vad alone", replace(DiarizeOptions(), fill_threshold=None)),
    ):
        turns = link_speakers([diarizer.diarize_chunk(chunk, options)], options).turns
        start, end = QUIET_TURN
        heard[name] = sum(max(0.0, min(t.end_s, end) - max(t.start_s, start)) for t in turns)
        # What is heard is hers: no turn reaches more than half a second past her speech.
        assert all(t.start_s > start - 0.5 and t.end_s < end + 0.5 for t in turns), turns
    # Silero alone hears 1.7 s of her 4.4 s; with segmentation-3.0, over half of it.
    assert heard["filled"] >= 0.5 * (QUIET_TURN[1] - QUIET_TURN[0]) > heard["vad alone"], heard


def turns(*spans: tuple[float, float, str]) -> list[SpeakerTurn]:
    return [SpeakerTurn(start, end, speaker) for start, end, speaker in spans]


def spans(filled: list[SpeakerTurn]) -> list[tuple[float, float, str]]:
    return [(turn.start_s, turn.end_s, turn.speaker) for turn in filled]


def test_a_quiet_stretch_between_two_turns_is_shared_halfway() -> None:
    # Silero heard 2.0-3.8 and 6.6-9.0; segmentation heard speech throughout 1.5-9.5.
    filled = fill_missed_speech(turns((2.0, 3.8, "S1"), (6.6, 9.0, "S2")), [(1.5, 9.5)])

    assert spans(filled) == [(1.5, pytest.approx(5.2), "S1"), (pytest.approx(5.2), 9.5, "S2")]


def test_a_turn_grows_only_as_far_as_the_speech_its_edge_lies_in() -> None:
    # The first turn's end lies in speech up to 4.5; the second's start is in no stretch.
    filled = fill_missed_speech(
        turns((2.0, 3.8, "S1"), (6.6, 9.0, "S2")), [(3.5, 4.5), (10.0, 11.0)]
    )

    assert spans(filled) == [(2.0, 4.5, "S1"), (6.6, 9.0, "S2")]


def test_touching_turns_and_turns_outside_speech_keep_their_times() -> None:
    kept = turns((0.0, 0.8, "S1"), (0.8, 1.6, "S2"), (5.0, 6.0, "S1"))

    assert fill_missed_speech(kept, [(0.2, 1.2)]) == kept
    assert fill_missed_speech(kept, []) == kept
