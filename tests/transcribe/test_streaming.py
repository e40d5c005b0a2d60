"""Streaming captions (issue 18): espeak-ng Serbian fed in small steps through the real Whisper
base model. The decoder is given Serbian as the only language: on a few seconds of espeak-ng
Serbian the language detector (``transcribe.language``) says Albanian, and what is checked
here is the agreement, not the detector. Committed text is append-only, it is committed while
the speech goes on (not only at the end), and a stream cut mid-word resumes without committing
any word twice."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile

from kuvend.domain import SAMPLE_RATE_HZ as SAMPLE_RATE
from kuvend.synthetic import SERBIAN_SENTENCES, speak
from transcribe import StreamingDecoder, StreamOptions, WhisperEngine
from transcribe.audio import Samples

_PUSH_S = 0.5


def _speech(tmp_path: Path, text: str) -> Samples:
    path = tmp_path / "speech.wav"
    speak(text, "sr+f3", path)
    samples, rate = soundfile.read(path, dtype="float32")
    assert rate == SAMPLE_RATE
    return np.concatenate([np.zeros(SAMPLE_RATE // 4, np.float32), samples])


def _feed(decoder: StreamingDecoder, audio: Samples, start_s: float) -> list[str]:
    """Push ``audio`` in half-second pieces; the committed text after each piece."""
    step = round(_PUSH_S * SAMPLE_RATE)
    seen = []
    for offset in range(0, len(audio), step):
        decoder.push(audio[offset : offset + step], start_s + offset / SAMPLE_RATE)
        seen.append(decoder.text)
    return seen


def _keys(decoder: StreamingDecoder) -> list[str]:
    return ["".join(ch for ch in w.text.lower() if ch.isalnum()) for w in decoder.committed]


def test_committed_text_only_grows_and_comes_while_speaking(
    engine: WhisperEngine, tmp_path: Path
) -> None:
    audio = _speech(tmp_path, SERBIAN_SENTENCES[0])
    decoder = StreamingDecoder(engine, StreamOptions(languages=("sr",), step_s=1.0))
    step = round(_PUSH_S * SAMPLE_RATE)
    sent: list[str] = []  # what a client would have received: committed words, in order
    snapshots: list[str] = []
    tentative_seen = False
    for offset in range(0, len(audio), step):
        update = decoder.push(audio[offset : offset + step], offset / SAMPLE_RATE)
        if update is not None:
            sent += [word.text for word in update.committed]
            tentative_seen = tentative_seen or bool(update.tentative)
        snapshots.append(decoder.text)
    during = len(decoder.committed)
    final = decoder.close()
    sent += [word.text for word in final.committed]
    snapshots.append(decoder.text)

    for before, after in itertools.pairwise(snapshots):
        assert after.startswith(before), (before, after)
    assert sent == [word.text for word in decoder.committed]
    assert during >= 2, "nothing was committed before the speech ended"
    assert tentative_seen
    assert len(decoder.committed) >= len(SERBIAN_SENTENCES[0].split()) // 2
    assert {word.language for word in decoder.committed} == {"sr"}
    assert not any("\u0400" <= char <= "\u04ff" for char in decoder.text), "Latin script"
    # Times lie inside the audio, in order.
    starts = [word.start_s for word in decoder.committed]
    assert starts == sorted(starts)
    assert starts[0] >= 0.0 and decoder.committed[-1].end_s <= len(audio) / SAMPLE_RATE + 0.01


@pytest.mark.slow
def test_a_stream_cut_mid_word_resumes_without_repeating_words(
    engine: WhisperEngine, tmp_path: Path
) -> None:
    text = f"{SERBIAN_SENTENCES[1]} {SERBIAN_SENTENCES[3]}"
    audio = _speech(tmp_path, text)
    # Cut where the signal is loudest in the middle third: inside a word, not in a pause.
    third = len(audio) // 3
    frames = audio[third : third + third // 160 * 160].reshape(-1, 160)
    cut = third + int(np.argmax(np.abs(frames).mean(axis=1))) * 160
    decoder = StreamingDecoder(engine, StreamOptions(languages=("sr",), step_s=1.0))

    before = _feed(decoder, audio[:cut], 0.0)
    # The stream comes back 2 s later on the session clock, from where the source was cut.
    resume_s = cut / SAMPLE_RATE + 2.0
    after = _feed(decoder, audio[cut:], resume_s)
    decoder.close()

    snapshots = [*before, *after, decoder.text]
    for earlier, later in itertools.pairwise(snapshots):
        assert later.startswith(earlier), (earlier, later)
    keys = _keys(decoder)
    resumed = sum(word.start_s >= resume_s for word in decoder.committed)
    assert resumed >= 3, f"nothing committed after the cut: {decoder.text}"
    earlier, later = keys[:-resumed], keys[-resumed:]
    assert all(word.end_s <= cut / SAMPLE_RATE + 0.01 for word in decoder.committed[:-resumed])
    # What was committed before the cut is not committed again after it.
    for size in range(1, 6):
        assert earlier[-size:] != later[:size], f"committed twice at the cut: {decoder.text}"


def test_a_repeat_of_committed_words_after_another_reading_of_them_is_not_committed_again() -> None:
    # Seen live: "s hatime što bihte." committed, then a hypothesis "o be se s hatime što bihte
    # oddeskrenem": the first three words read the same audio again.
    from transcribe.streaming import _Hyp, _without_echo

    def hypothesis(text: str) -> list[_Hyp]:
        return [_Hyp(i, i + 0.3, w, w, float("nan")) for i, w in enumerate(text.split())]

    committed = ["dobar", "dan", "s", "hatime", "što", "bihte"]
    after = _without_echo(hypothesis("o be se s hatime što bihte oddeskrenem"), committed)
    assert [w.key for w in after] == ["oddeskrenem"]
    # New words that merely share one word with what was committed are all kept.
    fresh = _without_echo(hypothesis("i onda što dalje"), committed)
    assert [w.key for w in fresh] == ["i", "onda", "što", "dalje"]
