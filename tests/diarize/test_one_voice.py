"""One MP speaking is one speaker: the default embedded diarizer (d-vector, segmentation-3.0)
on every real single-speaker Serbian ParlaSpeech clip (``sr/parlaspeech_rs_lid``, one MP
each) that no tuning session uses.

A rule that kept apart two long local speakers of one chunk passed the benchmark and split
2 of these 24 clips into 2 and 5 speakers; this test is what would have caught it.
"""

from __future__ import annotations

import soundfile

from bench.diarization_sets import PARLASPEECH, clip_path
from diarize import DiarizeOptions, get_diarizer, link_speakers
from kuvend.domain import AudioChunk
from models import resolve_segmentation_model
from tests.conftest import MODEL_CACHE_DIR
from tests.transcribe.conftest import eval_path

FOLDER = "sr/parlaspeech_rs_lid"
#: Clips inside the tuning part's turn-taking sessions, which chose the thresholds.
TUNING = {clip_path(key).name for name, keys, part in PARLASPEECH if part == "tune" for key in keys}


def test_every_single_mp_clip_is_one_speaker() -> None:
    clips = [path for path in sorted(eval_path(FOLDER).glob("*.wav")) if path.name not in TUNING]
    assert len(clips) >= 15
    diarizer = get_diarizer("embedded", overlap_model=resolve_segmentation_model(MODEL_CACHE_DIR))
    options = DiarizeOptions()
    counts: dict[str, int] = {}
    for path in clips:
        chunk = AudioChunk(0, path, 0.0, soundfile.info(str(path)).duration)
        diarization = link_speakers([diarizer.diarize_chunk(chunk, options)], options)
        counts[path.name] = len(diarization.centroids)
    assert {name: count for name, count in counts.items() if count != 1} == {}
