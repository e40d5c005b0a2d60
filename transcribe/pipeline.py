"""``transcribe_chunk``: one audio chunk to segments, language per speech region.

The story of a chunk: read its samples (with the speech running out of the previous chunk in
front, without its own speech running into the next), find the speech regions, choose each
region's language among the assembly's, group regions into Whisper windows, decode each window
with its language forced, drop invented text and re-decode loops, regroup into sentences, and
write Serbian in the assembly's script.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from kuvend.domain import AudioChunk, Segment, Word
from kuvend.types import StageHook, no_hook
from transcribe.audio import ChunkAudio, span_audio
from transcribe.decode import Piece, decode_unit, decode_units
from transcribe.edges import ChunkContext, span_of
from transcribe.engine import WhisperEngine
from transcribe.guards import flagged, invented, is_loop
from transcribe.language import detect_language
from transcribe.options import TranscribeOptions
from transcribe.regions import Unit, group_into_units, speech_regions
from transcribe.script import in_script
from transcribe.sentences import sentence_segments
from transcribe.vocabulary import hints

log = logging.getLogger(__name__)


def transcribe_chunk(
    engine: WhisperEngine,
    chunk: AudioChunk,
    options: TranscribeOptions,
    *,
    context: ChunkContext | None = None,
    hook: StageHook = no_hook,
) -> Iterator[Segment]:
    """The segments of ``chunk``, on the session clock, in time order, as they are decoded.

    With a ``context`` the speech running across the chunk's edges is decoded by exactly one
    of the two chunks (see ``transcribe.edges``); without one the chunk stands alone.
    Silence yields nothing.
    """
    context = context or ChunkContext()
    start_s, end_s = span_of(chunk, context, options)
    audio = span_audio(chunk, context.previous, start_s, end_s)
    regions = speech_regions(audio.samples, options)
    hook("speech_regions", regions)
    log.info("chunk %d: %.1f–%.1f s, %d speech regions", chunk.index, start_s, end_s, len(regions))
    if not regions:
        return
    decided = []
    for region in regions:
        choice = detect_language(
            engine, audio.between(region.start_s, region.end_s), options.languages
        )
        decided.append((region, choice.language, choice.probability))
    hook("languages", decided)
    units = list(group_into_units(decided, options))
    hook("units", units)
    pieces = _guarded(engine, audio, units, options, hook)
    for piece in sentence_segments(pieces, options):
        segment = _to_segment(piece, options, chunk.index)
        hook("segment", segment)
        yield segment


def transcribe_chunks(
    engine: WhisperEngine,
    chunks: Iterable[AudioChunk],
    options: TranscribeOptions,
    *,
    hook: StageHook = no_hook,
) -> Iterator[Segment]:
    """Segments of a session's consecutive chunks, nothing lost or doubled at the edges.

    Reads one chunk ahead (to know whether another follows), so it also serves a live
    sequence of chunks, one chunk behind the recording.
    """
    previous: AudioChunk | None = None
    pending: AudioChunk | None = None
    for chunk in chunks:
        if pending is not None:
            context = ChunkContext(previous, more_follows=True)
            yield from transcribe_chunk(engine, pending, options, context=context, hook=hook)
            previous = pending
        pending = chunk
    if pending is not None:
        context = ChunkContext(previous, more_follows=False)
        yield from transcribe_chunk(engine, pending, options, context=context, hook=hook)


def _guarded(
    engine: WhisperEngine,
    audio: ChunkAudio,
    units: list[Unit],
    options: TranscribeOptions,
    hook: StageHook,
) -> Iterator[Piece]:
    """Decoded pieces minus invented text; a looping window is decoded again, then dropped."""
    by_start = sorted(units, key=lambda unit: unit.start_s)
    for piece in decode_units(engine, audio, by_start, options):
        if is_loop(piece, options):
            unit = _unit_of(piece, by_start, audio.start_s)
            log.warning(
                "repetition loop at %.1f s, decoding again: %.60s", piece.start_s, piece.text
            )
            hook("loop", piece)
            retried = [
                again
                for again in decode_unit(engine, audio, unit, options, retry=True)
                if again.start_s < piece.end_s and again.end_s > piece.start_s
            ]
            if not retried or any(is_loop(again, options) for again in retried):
                hook("dropped", (piece, "repetition loop"))
                continue
            candidates = retried
        else:
            candidates = [piece]
        for candidate in candidates:
            prompt, _ = hints(options, candidate.language)
            reason = invented(candidate, options, prompt)
            if reason is not None:
                log.info("dropped %r at %.1f s: %s", candidate.text[:60], candidate.start_s, reason)
                hook("dropped", (candidate, reason))
                continue
            yield candidate


def _unit_of(piece: Piece, units: list[Unit], origin_s: float) -> Unit:
    middle = (piece.start_s + piece.end_s) / 2 - origin_s
    return next((unit for unit in units if unit.start_s <= middle <= unit.end_s + 0.5), units[-1])


def _to_segment(piece: Piece, options: TranscribeOptions, chunk_index: int) -> Segment:
    text, other = in_script(piece.text, piece.language, options.serbian_script)
    flags = flagged([word.probability for word in piece.words], options)
    words = tuple(
        Word(
            start_s=word.start_s,
            end_s=max(word.end_s, word.start_s),
            text=in_script(word.text.strip(), piece.language, options.serbian_script)[0],
            probability=word.probability,
            low_confidence=flag,
        )
        for word, flag in zip(piece.words, flags, strict=True)
    )
    return Segment(
        start_s=piece.start_s,
        end_s=piece.end_s,
        text=text,
        language=piece.language,
        language_probability=piece.language_probability,
        words=words,
        avg_logprob=piece.avg_logprob,
        no_speech_prob=piece.no_speech_prob,
        compression_ratio=piece.compression_ratio,
        chunk_index=chunk_index,
        text_other_script=other,
    )
