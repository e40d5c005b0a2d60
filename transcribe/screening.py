"""The guards applied to decoded pieces: drop what is not speech, re-decode once, then flag.

* Not anyone's words (no letters, Whisper's stock phrases): dropped.
* A repetition loop (inside one piece, or one sentence piece after piece), text outside the
  language's alphabet (``quality``), text Whisper's own silence signals doubt
  (``guards.sounds_silent``: every window is speech by the VAD, so that only means the model
  could not make it out), or the vocabulary prompt leaking into the text
  (``guards.prompt_leak``): the piece's stretch is encoded on its own and decoded once more,
  without the prompt and with repeated 3-grams forbidden.
  A clean re-decode replaces it (sentence by sentence: a clean sentence stays when another
  sentence of the re-decode fails, and only that one is flagged); otherwise the piece becomes
  a flagged stretch of speech
  (``loop``, ``not_language``, or ``unintelligible`` when the re-decode reads nothing or the
  silence signals persist), kept
  with its times for a reviewer to fill in. A leaked prompt whose re-decode reads nothing is
  dropped: the words came from the prompt, not from the audio.

A flagged piece keeps a best effort of words with their times (the re-decode's, else the first
decode's with a loop cut to two rounds and leaked vocabulary taken out): the words place the
stretch in time for the speaker attribution and the exports, and show the reviewer what was
heard. The minutes mark every one of them for review and never publish them as text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from kuvend.types import SegmentFlag, StageHook, no_hook
from transcribe.audio import ChunkAudio
from transcribe.decode import Piece, RawWord, Request, decode
from transcribe.engine import WhisperEngine
from transcribe.guards import (
    is_loop,
    not_words,
    plain,
    plain_words,
    prompt_leak,
    repeated_runs,
    sounds_silent,
    vocabulary_only,
    vocabulary_words,
)
from transcribe.language import LanguageChoice, window_languages
from transcribe.options import TranscribeOptions
from transcribe.quality import text_problem
from transcribe.sentence_language import Decoded, per_sentence
from transcribe.vocabulary import hints
from transcribe.windows import Window, encode_windows

log = logging.getLogger(__name__)


_MARGIN_S = 0.2
#: Speech this long that a re-decode leaves out is flagged rather than lost.
_GAP_S = 1.0


def problem(piece: Piece, options: TranscribeOptions) -> tuple[SegmentFlag, str] | None:
    """What is wrong with a piece that is speech: ``(flag, reason)``, or ``None``."""
    if is_loop(piece, options):
        return "loop", f"repetition loop: {piece.text[:60]}"
    reason = text_problem(piece.text, piece.language)
    if reason is not None:
        return "not_language", reason
    if sounds_silent(piece, options):
        return "unintelligible", "Whisper's silence signals over speech"
    return None


def judged(
    pieces: Sequence[Piece], options: TranscribeOptions
) -> list[tuple[Piece, int, tuple[SegmentFlag, str] | None]]:
    """Each of ``pieces`` (one decode's, in time order) with how many pieces it stands for and
    what is wrong with it (``problem``): a run of one sentence read over and over is joined
    into one looping piece (``guards.repeated_runs``)."""
    return [
        (piece, rounds, ("loop", f"the same sentence {rounds} times in a row: {piece.text[:60]}"))
        if rounds > 1
        else (piece, rounds, problem(piece, options))
        for piece, rounds in repeated_runs(pieces)
    ]


def screen(
    engine: WhisperEngine,
    audio: ChunkAudio,
    decoded: Sequence[Decoded],
    options: TranscribeOptions,
    hook: StageHook = no_hook,
) -> list[Piece]:
    """Every window's pieces, guarded, in time order (flagged pieces included)."""
    kept: list[Piece] = []
    retries: list[tuple[Piece, SegmentFlag | None, bool, Window]] = []
    # A stretch decoded again stops short of its neighbours, which another window (a gap
    # decoded alone) may have read: no word is read twice.
    starts = sorted(p.start_s for item in decoded for p in item.pieces)
    ends = sorted(p.end_s for item in decoded for p in item.pieces)
    previous = ""
    for item in decoded:
        for piece, rounds, found in judged(item.pieces, options):
            prompt, _ = hints(options, piece.language)
            reason = not_words(piece)
            leak = prompt_leak(piece, options, prompt)
            # The same names alone, piece after piece: the prompt read out, not speech.
            said_again = rounds > 1 or plain(piece.text) == previous
            repeated = said_again and vocabulary_only(piece.text, options)
            if leak is None and prompt and repeated:
                leak = "vocabulary words alone, repeated"
            previous = plain(piece.text)
            if reason is not None and leak is None:
                log.info("dropped %r at %.1f s: %s", piece.text[:60], piece.start_s, reason)
                hook("dropped", (piece, reason))
                continue
            if found is None and leak is None:
                kept.append(piece)
                continue
            why = found[1] if found else str(leak)
            log.warning("decoding %.1f–%.1f s again: %s", piece.start_s, piece.end_s, why)
            hook("retry", (piece, why))
            before = [end for end in ends if end <= piece.start_s]
            after = [start for start in starts if start >= piece.end_s]
            start = max(piece.start_s - _MARGIN_S, item.origin_s, *before) - audio.start_s
            end = min(piece.end_s + _MARGIN_S, item.end_s, *after) - audio.start_s
            flag = found[0] if found else None
            retries.append((piece, flag, leak is not None, Window(start, end, ())))
    encoded = encode_windows(
        engine,
        audio,
        [window for *_, window in retries],
        batch_size=options.batch_size,
        whole=True,
    )
    detected = window_languages(engine, encoded, options.languages)
    retried = [
        _in_language(piece, choice, options)
        for (piece, *_), choice in zip(retries, detected, strict=True)
    ]
    requests = [
        Request(
            window=window,
            encoded=window.encoded,
            language=piece.language,
            language_probability=piece.language_probability,
            origin_s=audio.start_s + window.window.start_s,
            retry=True,
        )
        for window, piece in zip(encoded, retried, strict=True)
    ]
    # A stretch re-decoded whole may hold a switch of language that its first reading hid
    # (a loop over both languages): its sentences are judged again.
    again = [
        list(item.pieces)
        for item in per_sentence(
            engine,
            audio,
            [
                Decoded(request.window, request.origin_s, tuple(pieces))
                for request, pieces in zip(requests, decode(engine, requests, options), strict=True)
            ],
            options,
            hook,
        )
    ]
    for piece, (_, flag, leaked, _), redecoded in zip(retried, retries, again, strict=True):
        heard = _first_words(piece, options, leaked=leaked)
        kept += _settle(piece, flag, heard, redecoded, options, hook)
    return sorted(kept, key=lambda piece: piece.start_s)


def _in_language(piece: Piece, alone: LanguageChoice, options: TranscribeOptions) -> Piece:
    """``piece`` in the language its stretch is in when heard alone, where that is clear.

    A piece that was its window's only sentence took the window's language, where the speech
    around it blurs a switch; the stretch encoded alone for the re-decode says more.
    """
    clear = alone.probability >= options.language_switch_p
    if not clear or piece.end_s - piece.start_s < options.min_language_s:
        return piece
    if alone.language != piece.language:
        log.info("decoding %.1f s again in %s", piece.start_s, alone.language)
    return replace(piece, language=alone.language, language_probability=alone.probability)


def _uncovered(
    piece: Piece,
    heard: tuple[RawWord, ...],
    clean: Sequence[Piece],
    flag: SegmentFlag,
    hook: StageHook,
) -> list[Piece]:
    """Flagged pieces for the parts of ``piece`` longer than ``_GAP_S`` that ``clean`` misses."""
    gaps = []
    cursor = piece.start_s
    for part in sorted(clean, key=lambda p: p.start_s):
        if part.start_s - cursor >= _GAP_S:
            gaps.append((cursor, part.start_s))
        cursor = max(cursor, part.end_s)
    if piece.end_s - cursor >= _GAP_S:
        gaps.append((cursor, piece.end_s))
    # A gap where neither decode wrote a word holds no text that could be lost.
    flagged = [
        _flagged(piece, start, end, words, flag)
        for start, end in gaps
        if (words := tuple(w for w in heard if start <= _middle(w) <= end))
    ]
    for item in flagged:
        log.warning("flagged %.1f–%.1f s for review: %s", item.start_s, item.end_s, flag)
        hook("flagged", item)
    return flagged


def _settle(
    piece: Piece,
    flag: SegmentFlag | None,
    heard: tuple[RawWord, ...],
    redecoded: Sequence[Piece],
    options: TranscribeOptions,
    hook: StageHook,
) -> list[Piece]:
    """The re-decode where it is clean; otherwise one flagged piece over the stretch (over
    what the re-decode's words reach, where it read any: the transcriber's gap rounds read
    the rest alone).

    Where the re-decode reads the stretch sentence by sentence and only some sentences fail
    the guards (a switch of language the first reading looped over), the clean sentences
    are kept and each failing one is flagged over its own stretch: a neighbour's trouble
    does not take a clean sentence's text away. ``heard`` is the first decode's best effort
    (see ``_first_words``).
    """
    verdicts = [
        (p, found)
        for p, _, found in judged([p for p in redecoded if not_words(p) is None], options)
    ]
    clean = [p for p, _ in verdicts]
    failures = [found for _, found in verdicts if found is not None]
    if clean and not failures:
        # A re-decode that stops early must not lose the rest of the stretch.
        return clean + _uncovered(piece, heard, clean, flag or "unintelligible", hook)
    if len(failures) < len(clean):
        settled = [
            p if found is None else _flagged(p, p.start_s, p.end_s, words, found[0])
            for p, found in verdicts
            if found is None or (words := _without_repeats(p.words))
        ]
        for item in settled:
            if item.flag is not None:
                log.warning(
                    "flagged %.1f–%.1f s for review: %s", item.start_s, item.end_s, item.flag
                )
                hook("flagged", item)
        return settled + _uncovered(piece, heard, settled, flag or "unintelligible", hook)
    # Either reading's words, with a loop cut to two rounds: a best effort, not the loop.
    read = _without_repeats([word for part in clean for word in part.words])
    words = read or heard
    if (flag is None and not clean) or not words:
        hook("dropped", (piece, "only the vocabulary prompt was read here"))
        return []
    final: SegmentFlag = failures[0][0] if failures else (flag or "unintelligible")
    if not clean and not redecoded:
        final = "unintelligible"
    start = min([piece.start_s, *(p.start_s for p in clean)])
    if read:
        # The stretch the re-decode's words reach: speech after them (where a switch of
        # language stopped it) is left to the transcriber's gap rounds, which read it alone
        # in its own language, and flag it if they cannot.
        end = max(word.end_s for part in clean for word in part.words)
    else:
        end = max([min(piece.end_s, start + options.max_segment_s), *(p.end_s for p in clean)])
    flagged = _flagged(piece, start, end, words, final)
    log.warning("flagged %.1f–%.1f s for review: %s", flagged.start_s, flagged.end_s, final)
    hook("flagged", flagged)
    return [flagged]


def _first_words(piece: Piece, options: TranscribeOptions, *, leaked: bool) -> tuple[RawWord, ...]:
    """The first decode's words as a best effort: a phrase kept for two rounds at most and,
    where the prompt leaked, the vocabulary's words taken out (they came from the prompt)."""
    words = _without_repeats(piece.words)
    if leaked:
        terms = vocabulary_words(options)
        words = tuple(w for w in words if not set(plain_words(w.text)) & terms)
    return words


def _without_repeats(words: Sequence[RawWord], *, max_phrase_words: int = 4) -> tuple[RawWord, ...]:
    """``words`` with every phrase of 1–4 words kept for at most two rounds in a row.

    Phrases are compared in the words' letters (``guards.longest_repeat``'s tokens), since
    Whisper writes a loop inside one of its words too ("Da-da-da,"): a word that would make a
    third round anywhere in its own letters is left out.
    """
    kept: list[RawWord] = []
    tokens: list[str] = []
    for word in words:
        candidate = [*tokens, *plain_words(word.text)]
        third_round = any(
            end >= 3 * n
            and candidate[end - n : end]
            == candidate[end - 2 * n : end - n]
            == candidate[end - 3 * n : end - 2 * n]
            for end in range(len(tokens) + 1, len(candidate) + 1)
            for n in range(1, max_phrase_words + 1)
        )
        if not third_round:
            kept.append(word)
            tokens = candidate
    return tuple(kept)


def _middle(word: RawWord) -> float:
    return (word.start_s + word.end_s) / 2


def _flagged(
    piece: Piece, start_s: float, end_s: float, words: tuple[RawWord, ...], flag: SegmentFlag
) -> Piece:
    """A flagged stretch from ``start_s`` to ``end_s`` (widened to its words)."""
    return replace(
        piece,
        start_s=min(start_s, words[0].start_s),
        end_s=max(end_s, words[-1].end_s),
        text="".join(word.text for word in words).strip(),
        words=words,
        flag=flag,
    )
