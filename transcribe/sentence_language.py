"""Language per sentence: a window decoded in one language is checked sentence by sentence.

A speaker may switch from Albanian to Serbian without a pause, so one window can hold both.
A window that holds one sentence (Whisper segment) has the language read from its own encoder
output. In a window of several, each sentence long enough to judge is encoded on its own, in a
window cut to its audio (so it costs what it lasts, not a 30 s pass), and gets its language from
that; a run of sentences in another language is decoded again in that language, from the same
encoder output where the run is one sentence. Masking the window's encoder output to the
sentence instead (the frames outside it replaced by those of silence) cost no encoder pass but
answered wrongly: on an espeak-ng switch from Albanian to Serbian and back without a pause, both
Albanian sentences of the last window came out Serbian (0.79 and 0.94), each heard alone
Albanian (0.54 and 0.99).
A short utterance ("Hvala", "Po") takes the language of the speech around it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kuvend.types import LanguageCode, StageHook, no_hook
from transcribe.audio import ChunkAudio
from transcribe.decode import Piece, Request, decode
from transcribe.engine import WhisperEngine
from transcribe.language import LanguageChoice, window_languages
from transcribe.options import TranscribeOptions
from transcribe.windows import EncodedWindow, Window, encode_windows

log = logging.getLogger(__name__)

#: Margin around a re-decoded run, so that its first and last words are read whole.
_MARGIN_S = 0.3


@dataclass(frozen=True, slots=True)
class Decoded:
    """One window's pieces with the window they were decoded from."""

    window: EncodedWindow
    origin_s: float
    """Session time of the window's first sample."""
    pieces: tuple[Piece, ...]

    @property
    def end_s(self) -> float:
        """Session time of the window's last sample."""
        return self.origin_s + self.window.window.duration_s


def settle_window_languages(
    windows: Sequence[EncodedWindow], choices: Sequence[LanguageChoice], options: TranscribeOptions
) -> list[LanguageChoice]:
    """A window with too little speech to judge takes the language of the nearest one that has."""
    enough = [
        sum(r.duration_s for r in w.window.regions) >= options.min_language_s for w in windows
    ]
    if not any(enough):
        return list(choices)
    settled = []
    for index, choice in enumerate(choices):
        if enough[index]:
            settled.append(choice)
            continue
        nearest = min(
            (i for i, ok in enumerate(enough) if ok), key=lambda i: (abs(i - index), i > index)
        )
        settled.append(choices[nearest])
    return settled


def flagged_languages(pieces: Sequence[Piece], options: TranscribeOptions) -> list[Piece]:
    """``pieces`` with each flagged one shorter than ``options.min_language_s`` in the language
    of the nearest clean piece long enough to judge.

    Such a piece was given a language before the speech around it was settled (a gap takes
    its nearest piece's, which may be a loop read in the wrong language and decoded again
    since); its text is only a best effort for the reviewer, so relabelling it changes no
    published word.
    """
    judged = [p for p in pieces if p.flag is None and p.end_s - p.start_s >= options.min_language_s]
    settled = []
    for piece in pieces:
        if piece.flag is None or piece.end_s - piece.start_s >= options.min_language_s:
            settled.append(piece)
            continue
        near = min(
            judged,
            key=lambda p: (max(p.start_s - piece.end_s, piece.start_s - p.end_s, 0.0), p.start_s),
            default=None,
        )
        if near is None:
            settled.append(piece)
            continue
        settled.append(
            replace(piece, language=near.language, language_probability=near.language_probability)
        )
    return settled


def per_sentence(
    engine: WhisperEngine,
    audio: ChunkAudio,
    decoded: Sequence[Decoded],
    options: TranscribeOptions,
    hook: StageHook = no_hook,
) -> list[Decoded]:
    """``decoded`` with every sentence in its own language (re-decoded where it changed)."""
    if len(options.languages) < 2:
        return list(decoded)
    # A window of one sentence was judged whole; in one of several, each sentence long enough
    # to judge is encoded on its own (cut to its audio: it costs what it lasts).
    judged = [
        (d, p)
        for d in decoded
        if len(d.pieces) > 1
        for p in d.pieces
        if p.end_s - p.start_s >= options.min_language_s and p.flag is None
    ]
    alone = encode_windows(
        engine,
        audio,
        [_span(audio, d, p, p) for d, p in judged],
        batch_size=options.batch_size,
    )
    choices = window_languages(engine, alone, options.languages)
    verdict = {id(p): c for (_, p), c in zip(judged, choices, strict=True)}
    encoded = {window.window: window for window in alone}
    result = []
    for item in decoded:
        labels = _labels(item.pieces, verdict, options)
        hook("sentence_languages", list(zip(item.pieces, labels, strict=True)))
        result.append(_redecode_switches(engine, audio, item, labels, options, encoded))
    return result


def _span(audio: ChunkAudio, item: Decoded, first: Piece, last: Piece) -> Window:
    """The window (seconds into ``audio``) from ``first`` to ``last`` of ``item``'s pieces,
    with a margin so that their first and last words are read whole."""
    start = max(first.start_s - _MARGIN_S, item.origin_s)
    end = min(last.end_s + _MARGIN_S, item.end_s)
    return Window(start - audio.start_s, end - audio.start_s, ())


def _labels(
    pieces: Sequence[Piece], verdict: dict[int, LanguageChoice], options: TranscribeOptions
) -> list[tuple[LanguageCode, float]]:
    """Each piece's language: its own where it was judged confidently, else its neighbours'."""
    own: list[tuple[LanguageCode, float] | None] = []
    for piece in pieces:
        choice = verdict.get(id(piece))
        if choice is None:
            own.append(None)
        elif choice.language != piece.language and choice.probability < options.language_switch_p:
            # Not sure enough to overrule the window's language.
            own.append((piece.language, piece.language_probability))
        else:
            own.append((choice.language, choice.probability))
    labels = []
    for index, piece in enumerate(pieces):
        if own[index] is not None:
            labels.append(own[index])
            continue
        around = sorted(
            (i for i, label in enumerate(own) if label is not None),
            key=lambda i: (abs(i - index), i > index),
        )
        labels.append(own[around[0]] if around else (piece.language, piece.language_probability))
    return [label for label in labels if label is not None]


def _redecode_switches(
    engine: WhisperEngine,
    audio: ChunkAudio,
    item: Decoded,
    labels: Sequence[tuple[LanguageCode, float]],
    options: TranscribeOptions,
    known: Mapping[Window, EncodedWindow],
) -> Decoded:
    runs = _runs(item.pieces, labels)
    if not runs:
        return item
    spans = []
    for first, last, (language, _) in runs:
        span = _span(audio, item, item.pieces[first], item.pieces[last])
        log.info("language changes to %s at %.1f s: decoding again", language, span.start_s)
        spans.append(span)
    # A run of one sentence was encoded on its own already, to judge its language.
    missing = [span for span in spans if span not in known]
    fresh = encode_windows(engine, audio, missing, batch_size=options.batch_size)
    found = {**known, **{window.window: window for window in fresh}}
    encoded = [found[span] for span in spans]
    requests = [
        Request(
            window, window.encoded, language, probability, audio.start_s + window.window.start_s
        )
        for window, (_, _, (language, probability)) in zip(encoded, runs, strict=True)
    ]
    again = decode(engine, requests, options)
    pieces: list[Piece] = []
    position = 0
    for (first, last, _), redecoded in zip(runs, again, strict=True):
        pieces += item.pieces[position:first]
        # Nothing read in the new language: keep the first reading rather than lose the speech.
        pieces += redecoded or item.pieces[first : last + 1]
        position = last + 1
    pieces += item.pieces[position:]
    return Decoded(item.window, item.origin_s, tuple(sorted(pieces, key=lambda p: p.start_s)))


def _runs(
    pieces: Sequence[Piece], labels: Sequence[tuple[LanguageCode, float]]
) -> list[tuple[int, int, tuple[LanguageCode, float]]]:
    """``(first, last, label)`` of each run of pieces labelled other than they were decoded."""
    runs: list[tuple[int, int, tuple[LanguageCode, float]]] = []
    for index, (piece, label) in enumerate(zip(pieces, labels, strict=True)):
        if label[0] == piece.language:
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2][0] == label[0]:
            runs[-1] = (runs[-1][0], index, runs[-1][2])
        else:
            runs.append((index, index, label))
    return runs
