"""No speech left without a segment: the stretches of VAD speech that nothing covers.

Whisper forced into one language often stops where the speaker switches to the other (the
rest of the window is never read), and word timestamps can squeeze a looping read into the
end of its window; the guards may then drop what was read, and their re-decodes can stop
short as well. So once the guards are done every stretch of a speech region longer than
``GAP_S`` that no piece covers is encoded on its own (cut to its audio), given its own
language, or its nearest piece's when it is too short to judge, and decoded
(``decode_gaps``); whatever is still uncovered then becomes a flagged
``unintelligible`` piece with no text (``unread``): a gap the reviewer sees and fills, never
speech lost without a mark.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from kuvend.types import LanguageCode, StageHook, no_hook
from transcribe.audio import ChunkAudio
from transcribe.decode import Piece, Request, decode
from transcribe.engine import WhisperEngine
from transcribe.language import LanguageChoice, window_languages
from transcribe.options import TranscribeOptions
from transcribe.regions import Region
from transcribe.sentence_language import Decoded
from transcribe.windows import Window, encode_windows

log = logging.getLogger(__name__)

#: Uncovered speech shorter than this is the padding of the VAD and the pauses between words.
GAP_S = 1.0


class Timed(Protocol):
    """Anything with times on the session clock: a piece, a segment."""

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


def uncovered(
    regions: Iterable[Region], pieces: Iterable[Timed], origin_s: float
) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` on the session clock of every stretch of ``regions`` (seconds from
    ``origin_s``) at least ``GAP_S`` long that no piece (or segment) overlaps, in time order."""
    spans = sorted((piece.start_s, piece.end_s) for piece in pieces)
    gaps = []
    for region in regions:
        cursor = origin_s + region.start_s
        end = origin_s + region.end_s
        for start_s, end_s in spans:
            if end_s <= cursor or start_s >= end:
                continue
            if start_s - cursor >= GAP_S:
                gaps.append((cursor, start_s))
            cursor = max(cursor, end_s)
        if end - cursor >= GAP_S:
            gaps.append((cursor, end))
    return gaps


def decode_gaps(
    engine: WhisperEngine,
    audio: ChunkAudio,
    gaps: Sequence[tuple[float, float]],
    around: Sequence[Piece],
    options: TranscribeOptions,
    hook: StageHook = no_hook,
) -> list[Decoded]:
    """Each ``(start_s, end_s)`` gap (session clock) encoded alone and decoded: one window
    (one encoder pass) each, in the language read from it, or, when it is shorter than
    ``options.min_language_s``, in the language of the nearest piece of ``around``."""
    if not gaps:
        return []
    own: list[LanguageChoice | None] = []
    for start_s, end_s in gaps:
        log.info("nothing read at %.1f–%.1f s: decoding it alone", start_s, end_s)
        hook("gap", (start_s, end_s))
        near = _nearest(around, start_s, end_s)
        if end_s - start_s < options.min_language_s and near is not None:
            own.append(LanguageChoice(near.language, near.language_probability, {}))
        else:
            own.append(None)
    windows = [Window(s - audio.start_s, e - audio.start_s, ()) for s, e in gaps]
    encoded = encode_windows(engine, audio, windows, batch_size=options.batch_size, whole=True)
    detected = window_languages(engine, encoded, options.languages)
    choices = [mine or choice for mine, choice in zip(own, detected, strict=True)]
    requests = [
        # No vocabulary prompt: where nothing was read, the model is unsure of the audio, and
        # that is where it writes the prompt's names instead (a surname three times over a
        # Serbian sentence, with one member enrolled).
        Request(
            w,
            w.encoded,
            c.language,
            c.probability,
            audio.start_s + w.window.start_s,
            hinted=False,
        )
        for w, c in zip(encoded, choices, strict=True)
    ]
    again = decode(engine, requests, options)
    return [
        Decoded(request.window, request.origin_s, tuple(pieces))
        for request, pieces in zip(requests, again, strict=True)
    ]


def unread(
    regions: Sequence[Region],
    pieces: Sequence[Piece],
    audio: ChunkAudio,
    options: TranscribeOptions,
    hook: StageHook = no_hook,
) -> list[Piece]:
    """A flagged ``unintelligible`` piece with no text for every stretch of ``regions`` (the
    chunk's speech, seconds into ``audio``) that ``pieces`` leave uncovered."""
    flagged = []
    for start_s, end_s in uncovered(regions, pieces, audio.start_s):
        near = _nearest(pieces, start_s, end_s)
        language: LanguageCode = near.language if near is not None else options.languages[0]
        piece = Piece(
            start_s=start_s,
            end_s=end_s,
            text="",
            words=(),
            language=language,
            language_probability=0.0,
            avg_logprob=0.0,
            no_speech_prob=0.0,
            compression_ratio=0.0,
            temperature=0.0,
            flag="unintelligible",
        )
        log.warning("flagged %.1f–%.1f s for review: speech with no text", start_s, end_s)
        hook("flagged", piece)
        flagged.append(piece)
    return flagged


def _nearest(pieces: Iterable[Piece], start_s: float, end_s: float) -> Piece | None:
    """The piece closest in time to ``start_s``..``end_s`` (the earlier one on a tie)."""

    def distance(piece: Piece) -> tuple[float, float]:
        return max(piece.start_s - end_s, start_s - piece.end_s, 0.0), piece.start_s

    return min(pieces, key=distance, default=None)
