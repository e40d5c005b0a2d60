"""The CAM++ encoder on real speech: each of four MPs is nearest to themselves, and its tiles
cover a region exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from diarize.audio import read_wav
from diarize.campplus import CAMPlusPlusEncoder
from diarize.encoders import get_encoder
from models import resolve_campplus_model
from tests.conftest import MODEL_CACHE_DIR
from tests.transcribe.conftest import eval_path

#: Four ParlaSpeech utterances by four different MPs (bench/diarization_sets.py's 4-people set).
CLIPS = (
    "hr/parlaspeech_hr_2021/hr_parlaspeech_2021-12-06-0_u77990_25-272.wav",
    "sr/parlaspeech_rs_lid/sr_parlaspeech_2013-12-09-0_u29278_8398-8550.wav",
    "sr/parlaspeech_rs_lid/sr_parlaspeech_2015-07-13-0_u31681_1991-2267.wav",
    "sr/parlaspeech_rs_lid/sr_parlaspeech_2017-04-20-0_u14572_212-433.wav",
)


@pytest.fixture(scope="module")
def encoder() -> CAMPlusPlusEncoder:
    found = get_encoder("campplus", model=resolve_campplus_model(MODEL_CACHE_DIR))
    assert isinstance(found, CAMPlusPlusEncoder)
    return found


def test_each_mp_is_nearest_to_their_own_other_half(encoder: CAMPlusPlusEncoder) -> None:
    firsts, seconds = [], []
    for clip in CLIPS:
        speech = read_wav(eval_path(clip))
        middle = len(speech) // 2
        firsts.append(encoder.embed(speech[:middle]))
        seconds.append(encoder.embed(speech[middle:]))
    similarity = np.stack(seconds) @ np.stack(firsts).T
    assert similarity.shape == (4, 4)
    assert np.argmax(similarity, axis=1).tolist() == [0, 1, 2, 3]
    assert np.allclose(np.linalg.norm(np.stack(firsts), axis=1), 1.0, atol=1e-5)


def test_tiles_cover_a_region_exactly(encoder: CAMPlusPlusEncoder) -> None:
    speech = read_wav(eval_path(CLIPS[1]))
    tiles = encoder.embed_region(speech, 0.43, 5.0, 0.8)
    assert tiles[0].start_s == pytest.approx(0.43) and tiles[-1].end_s == pytest.approx(5.0)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in itertools.pairwise(tiles))
    assert len(tiles) == round((5.0 - 0.43) / 0.8)
    # A piece shorter than the network's context is still one finite, normalised embedding.
    short = encoder.embed_region(speech, 1.0, 1.2, 0.8)
    assert len(short) == 1 and np.isfinite(short[0].embedding).all()
    assert encoder.embed_region(speech, 2.0, 2.0, 0.8) == []


def test_campplus_without_its_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="needs its model"):
        get_encoder("campplus")
