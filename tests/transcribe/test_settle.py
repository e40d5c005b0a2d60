"""A re-decode read sentence by sentence keeps its clean sentences when another fails the
guards (the switch of language in test_trust.py, as Whisper base reads it with ctranslate2
4.8: the Albanian sentence in letters of neither language, the Serbian one clean)."""

from __future__ import annotations

from transcribe.decode import Piece, RawWord
from transcribe.options import TranscribeOptions
from transcribe.screening import _settle


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
