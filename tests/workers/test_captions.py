"""Live captions of a stream that stops bringing audio (issue 18): the words still tentative
are committed about a second later, without waiting for the recording to end, and not again
when it ends. espeak-ng Serbian through the real Whisper base model."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import soundfile

from ingest import LiveAudio
from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.synthetic import SERBIAN_SENTENCES, speak
from models import resolve_whisper_model
from tests.workers.conftest import MODEL_CACHE_DIR
from transcribe import CaptionUpdate, StreamOptions, load_whisper
from workers.captions import STALL_S, LiveCaptioner

_BLOCK = SAMPLE_RATE_HZ // 5  # the recorder's live audio comes every fifth of a second


def test_a_stream_that_stops_has_its_tentative_words_committed(tmp_path: Path) -> None:
    speak(SERBIAN_SENTENCES[0], "sr+f3", tmp_path / "speech.wav")
    samples, _ = soundfile.read(tmp_path / "speech.wav", dtype="float32")
    audio = np.concatenate([np.zeros(SAMPLE_RATE_HZ // 4, np.float32), samples])
    engine = load_whisper(
        resolve_whisper_model("base", models_dir=None, cache_dir=MODEL_CACHE_DIR),
        device="cpu",
        compute_type="int8",
        cpu_threads=2,
    )
    updates: list[tuple[CaptionUpdate, float]] = []
    captioner = LiveCaptioner(
        lambda: engine,
        StreamOptions(languages=("sr",)),
        None,
        listener=lambda update, at: updates.append((update, at)),
    )
    for start in range(0, len(audio), _BLOCK):
        captioner.feed(LiveAudio(start / SAMPLE_RATE_HZ, audio[start : start + _BLOCK]))
    end_s = len(audio) / SAMPLE_RATE_HZ

    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline and not any(
        word.end_s >= end_s - 1.0 for update, _ in updates for word in update.committed
    ):
        time.sleep(0.2)
    committed = [word.text for update, _ in updates for word in update.committed]
    assert committed, "nothing committed after the audio stopped"
    assert any(word.end_s >= end_s - 1.0 for u, _ in updates for word in u.committed), committed
    # Committed by the stall, not by the decode that came with the audio.
    last = max(at for update, at in updates if update.committed)
    first = min(at for _, at in updates)
    assert last - first >= STALL_S * 0.9

    captioner.finish()
    after = [word.text for update, _ in updates for word in update.committed]
    assert after == committed, "the end of the recording committed words again"
    assert len(committed) >= len(SERBIAN_SENTENCES[0].split()) // 2
