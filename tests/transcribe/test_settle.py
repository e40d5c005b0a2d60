"""A re-decode read sentence by sentence keeps its clean sentences when another fails the
guards (the switch of language in test_trust.py, as Whisper base reads it with ctranslate2
4.8: the Albanian sentence in letters of neither language, the Serbian one clean)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from transcribe import screening
from transcribe.audio import ChunkAudio
from transcribe.decode import Piece, RawWord
from transcribe.language import LanguageChoice
from transcribe.options import TranscribeOptions
from transcribe.screening import _settle
from transcribe.sentence_language import Decoded
from transcribe.windows import EncodedWindow, Window


def _piece(start_s: float, end_s: float, text: str, language: str) -> Piece:
    words = text.split()
    step = (end_s - start_s) / len(words)
    return Piece(
        start_s=start_s,
        end_s=end_s,
        text=text,
        words=tuple(
            RawWord(start_s + i * step, start_s + (i + 1) * step, f" {word}", 0.9)
            for i, word in enumerate(words)
        ),
        language=language,  # type: ignore[arg-type]
        language_probability=0.9,
        avg_logprob=-0.3,
        no_speech_prob=0.01,
        compression_ratio=1.2,
        temperature=0.0,
    )


def test_a_clean_sentence_survives_its_neighbours_trouble() -> None:
    looped = _piece(0.2, 10.5, "Rendi, di, di, di, di, di, di, di, di, di, di", "sq")
    albanian = _piece(0.2, 5.5, "Prendi dikostatri dikka ösjömunja dikomunas", "sq")
    serbian = _piece(5.6, 10.3, "Hvala, želim da postavim pitanje o budžetu opštine.", "sr")

    settled = _settle(
        looped, "loop", looped.words[:2], [albanian, serbian], TranscribeOptions(), lambda *_: None
    )

    assert [(round(p.start_s, 2), round(p.end_s, 2), p.language, p.flag) for p in settled] == [
        (0.2, 5.5, "sq", "not_language"),
        (5.6, 10.3, "sr", None),
    ]
    assert settled[1].text == serbian.text


def test_a_failed_redecode_is_flagged_only_as_far_as_it_read() -> None:
    # The switch of test_trust.py as this machine's pinned arithmetic reads it: the re-decode
    # reads the Albanian sentence only (in letters of neither language) and stops.
    looped = _piece(0.15, 10.5, "Rendi, di, di, di, di, di, di, di, di, di, di", "sq")
    albanian = _piece(0.15, 10.4, "Rendi viqestatri viqa ësjö muđetri komunus", "sq")
    albanian = replace(albanian, words=tuple(replace(w, end_s=w.end_s / 2) for w in albanian.words))

    [flagged] = _settle(
        looped, "loop", looped.words[:2], [albanian], TranscribeOptions(), lambda *_: None
    )

    # The rest (the Serbian sentence) is left for the gap rounds to read in its language.
    assert (flagged.start_s, flagged.flag) == (0.15, "not_language")
    assert flagged.end_s == albanian.words[-1].end_s < 5.3


def test_a_vocabulary_name_read_four_times_in_a_row_is_the_prompt_leaking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The model is replaced by a re-decode that reads nothing: what is checked is what the
    # guards make of the first reading.
    monkeypatch.setattr(
        screening,
        "encode_windows",
        lambda _e, _a, windows, **_: [EncodedWindow(w, None, None) for w in windows],  # type: ignore[arg-type]
    )
    monkeypatch.setattr(
        screening,
        "window_languages",
        lambda _e, windows, _l: [LanguageChoice("sr", 0.99, {"sr": 0.99}) for _ in windows],
    )
    monkeypatch.setattr(screening, "decode", lambda _e, requests, _o: [[] for _ in requests])
    monkeypatch.setattr(screening, "per_sentence", lambda _e, _a, decoded, _o, _h: decoded)
    options = TranscribeOptions.for_assembly(["sr", "sq"], vocabulary=["Dragan Marković"])
    names = tuple(_piece(2.0 * i, 2.0 * i + 0.6, "Marković.", "sr") for i in range(4))
    window = EncodedWindow(Window(0.0, 30.0, ()), None, None)  # type: ignore[arg-type]
    decoded = [Decoded(window, 0.0, names)]

    kept = screening.screen(
        None, ChunkAudio(np.zeros(16_000 * 30, np.float32), 0.0), decoded, options
    )  # type: ignore[arg-type]

    assert kept == []
