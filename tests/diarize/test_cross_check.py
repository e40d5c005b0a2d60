"""CAM++'s second opinion on the d-vector's speakers: two long local speakers it puts far apart
are different people, and one local speaker whose long segments it hears as two voices is two.
Its threshold was chosen on the tuning part of ``bench/diarization.py`` (other voices, other
MPs); the clips and voices here were not used to choose it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diarize import DiarizeOptions, get_diarizer, link_speakers
from diarize.audio import read_wav
from diarize.constraints import cross_checked_pairs, split_by_checker
from diarize.embedding import EmbeddedTile
from diarize.encoders import SpeakerEncoder, get_encoder
from kuvend.domain import SAMPLE_RATE_HZ, Diarization
from kuvend.synthetic import ALBANIAN_SENTENCES, SERBIAN_SENTENCES, ScriptedTurn
from models import resolve_campplus_model, resolve_segmentation_model
from tests.conftest import MODEL_CACHE_DIR
from tests.diarize.sessions import cut_into_chunks
from tests.transcribe.conftest import eval_path
from tests.utils.speech import SyntheticSession, synthesize_session

#: Two utterances by two different MPs (bench/diarization_sets.py's 4-people report set).
MP_A = "sr/parlaspeech_rs_lid/sr_parlaspeech_2013-12-09-0_u29278_8398-8550.wav"
MP_B = "sr/parlaspeech_rs_lid/sr_parlaspeech_2015-07-13-0_u31681_1991-2267.wav"

#: The report part's 6-voice session: a chair (sq+m3) and five members, two of them (sq+m3 and
#: sr+m1) male voices the d-vector alone puts into one speaker.
VOICES = ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia", "sq+Storm", "sr+m1")
SCRIPT = ((0, 3), (1, 1), (5, 2), (2, 1), (4, 1), (3, 2), (0, 1), (5, 1), (1, 1), (2, 1), (4, 1))


@pytest.fixture(scope="module")
def checker() -> SpeakerEncoder:
    return get_encoder("campplus", model=resolve_campplus_model(MODEL_CACHE_DIR))


def test_two_mps_are_different_people_and_one_mp_is_not(checker: SpeakerEncoder) -> None:
    a, b = read_wav(eval_path(MP_A)), read_wav(eval_path(MP_B))
    half = len(a) // 2
    speech = np.concatenate([a[:half], a[half:], b])
    cut_s = (half / SAMPLE_RATE_HZ, len(a) / SAMPLE_RATE_HZ, len(speech) / SAMPLE_RATE_HZ)
    tiles = [
        EmbeddedTile(0.0, cut_s[0], np.zeros(1, np.float32)),
        EmbeddedTile(cut_s[0], cut_s[1], np.zeros(1, np.float32)),
        EmbeddedTile(cut_s[1], cut_s[2], np.zeros(1, np.float32)),
    ]
    pairs = cross_checked_pairs([0, 1, 2], tiles, speech, [], checker, min_s=4.0, min_distance=0.35)
    # MP A's two halves are one person; MP B is another person than either half.
    assert pairs == {(0, 2), (1, 2)}

    # Speech that is all overlapped, or too short, is no voice to compare.
    overlapped = cross_checked_pairs(
        [0, 1, 2], tiles, speech, [(cut_s[1], cut_s[2])], checker, min_s=4.0, min_distance=0.35
    )
    assert overlapped == set()
    short = cross_checked_pairs(
        [0, 1, 2], tiles, speech, [], checker, min_s=cut_s[2], min_distance=0.35
    )
    assert short == set()


def test_a_local_speaker_holding_two_mps_is_split_between_them(checker: SpeakerEncoder) -> None:
    a, b = read_wav(eval_path(MP_A)), read_wav(eval_path(MP_B))
    half, tail = len(a) // 2, len(a) - SAMPLE_RATE_HZ
    # MP A's first half, MP B, MP A's second half less its last second, then that second.
    speech = np.concatenate([a[:half], b, a[half:tail], a[tail:]])
    ends = np.cumsum([half, len(b), tail - half, len(a) - tail]) / SAMPLE_RATE_HZ
    starts = np.concatenate([[0.0], ends[:-1]])
    dvector = get_encoder("dvector")
    segments = [
        EmbeddedTile(
            float(start),
            float(end),
            dvector.embed(speech[int(start * SAMPLE_RATE_HZ) : int(end * SAMPLE_RATE_HZ)]),
        )
        for start, end in zip(starts, ends, strict=True)
    ]
    # The d-vector's clustering put all four in one local speaker.
    labels = split_by_checker(
        [0, 0, 0, 0], segments, speech, [], checker, min_s=4.0, min_distance=0.35
    )
    assert labels[0] == labels[2] == labels[3] != labels[1]
    # One voice is left alone, and so is speech too short to judge.
    assert split_by_checker(
        [0, 1, 0, 0], segments, speech, [], checker, min_s=4.0, min_distance=0.35
    ) == [0, 1, 0, 0]
    assert split_by_checker(
        [0, 0, 0, 0], segments, speech, [], checker, min_s=float(ends[-1]), min_distance=0.35
    ) == [0, 0, 0, 0]


#: pyannote's sample: speaker90 speaks until about 14.5 s (speaker91 putting in a word), then
#: speaker91 until 17.9 s, speaker90 from 18.1 s to 21.5 s, speaker91 from 21.8 s (its RTTM).
SAMPLE = "diarization/pyannote_sample/sample.wav"


def _diarized(audio: Path, work: Path, *, checked: bool) -> Diarization:
    """``audio`` diarized in 30 s chunks and linked, with CAM++'s cross-check or without."""
    chunks = cut_into_chunks(audio, 30.0, work / "chunks")
    options = DiarizeOptions()
    diarizer = get_diarizer(
        "embedded",
        overlap_model=resolve_segmentation_model(MODEL_CACHE_DIR),
        checker_model=resolve_campplus_model(MODEL_CACHE_DIR) if checked else None,
    )
    return link_speakers([diarizer.diarize_chunk(chunk, options) for chunk in chunks], options)


def _speaker_at(diarization: Diarization, time_s: float) -> str:
    return next(t.speaker for t in diarization.turns if t.start_s <= time_s <= t.end_s)


def test_two_close_real_voices_in_one_local_speaker_are_told_apart(tmp_path: Path) -> None:
    found = {}
    for checked in (False, True):
        diarization = _diarized(eval_path(SAMPLE), tmp_path / str(checked), checked=checked)
        found[checked] = [_speaker_at(diarization, t) for t in (12.0, 16.0, 20.0, 26.0)]
    # The d-vector alone gives speaker90's opening to speaker91.
    assert found[False][0] == found[False][1]
    first, second, third, fourth = found[True]
    assert first == third != second == fourth


@pytest.fixture(scope="module")
def six_voices(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    turns, used = [], [0] * len(VOICES)
    for voice, sentences in SCRIPT:
        language = VOICES[voice].split("+")[0]
        texts = ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES
        for _ in range(sentences):
            turns.append(
                ScriptedTurn(f"{voice}", language, texts[used[voice] % len(texts)], VOICES[voice])
            )
            used[voice] += 1
    target = tmp_path_factory.mktemp("six") / "six-voices.wav"
    return synthesize_session(turns, target, pause_s=0.6)


def test_six_voices_are_six_speakers_with_the_check_and_five_without(
    six_voices: SyntheticSession, tmp_path: Path
) -> None:
    counts = {}
    for checked in (False, True):
        diarization = _diarized(six_voices.path, tmp_path / str(checked), checked=checked)
        counts[checked] = len(diarization.centroids)
        if checked:
            # Each voice's turns are one speaker, and no two voices share one.
            owners: dict[str, set[str]] = {}
            for turn in six_voices.turns:
                speaker = _speaker_at(diarization, (turn.start_s + turn.end_s) / 2)
                owners.setdefault(turn.speaker, set()).add(speaker)
            assert all(len(found) == 1 for found in owners.values()), owners
            assert len({next(iter(found)) for found in owners.values()}) == len(VOICES)
    assert counts == {False: 5, True: 6}


def test_a_cross_check_of_no_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="cross_check_s must be positive"):
        DiarizeOptions(cross_check_s=0.0)
