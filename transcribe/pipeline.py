"""``transcribe_chunk``: one audio chunk to segments, language per sentence.

The story of a chunk: read its samples (with the speech running out of the previous chunk in
front, without its own speech running into the next), find the speech regions, give each a
window cut to its audio (a short one shares its neighbour's) and encode every window once, in
batches; take each window's language from its encoder output and decode all windows in batches
with their language forced; check each
sentence's language from the same encoder output and decode a run again in place where the
language changed; drop what is not speech, decode once more what the guards reject and flag it
if it fails again; decode alone any stretch of speech that nothing was read from; flag as a gap
to fill whatever speech is still uncovered; regroup into sentences, and write Serbian in the
assembly's script.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

from kuvend.domain import AudioChunk, Segment, Word
from kuvend.types import StageHook, no_hook
from transcribe.audio import ChunkAudio, span_audio
from transcribe.coverage import decode_gaps, uncovered, unread
from transcribe.decode import Piece, Request, decode
from transcribe.edges import ChunkContext, contiguous, span_of
from transcribe.engine import WhisperEngine
from transcribe.guards import flagged
from transcribe.language import window_languages
from transcribe.options import TranscribeOptions
from transcribe.regions import Region, speech_regions
from transcribe.screening import screen
from transcribe.script import in_script
from transcribe.sentence_language import (
    Decoded,
    flagged_languages,
    per_sentence,
    settle_window_languages,
)
from transcribe.sentences import sentence_segments
from transcribe.windows import encode_windows, pack_windows

log = logging.getLogger(__name__)

#: Rounds of reading uncovered speech alone before what is left is flagged (each round reads
#: only what the previous left, so a round costs what that speech lasts).
GAP_ROUNDS = 3


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
    # A pause often marks a change of speaker and language: each region is a window of its
    # own, its language read from the encoder output that is decoded (a change with no pause
    # is caught sentence by sentence); a short one shares a neighbour's window.
    packed = pack_windows(regions, short_s=options.min_language_s, gap_s=options.merge_gap_s)
    windows = encode_windows(engine, audio, packed, batch_size=options.batch_size)
    choices = window_languages(engine, windows, options.languages)
    choices = settle_window_languages(windows, choices, options)
    hook(
        "languages",
        [(w.window, c.language, c.probability) for w, c in zip(windows, choices, strict=True)],
    )
    requests = [
        Request(w, w.encoded, c.language, c.probability, audio.start_s + w.window.start_s)
        for w, c in zip(windows, choices, strict=True)
    ]
    decoded = [
        Decoded(request.window, request.origin_s, tuple(pieces))
        for request, pieces in zip(requests, decode(engine, requests, options), strict=True)
    ]
    pieces = _guarded(engine, audio, regions, decoded, options, hook)
    for piece in sentence_segments(pieces, options):
        segment = _to_segment(piece, options, chunk.index)
        hook("segment", segment)
        yield segment


def _guarded(
    engine: WhisperEngine,
    audio: ChunkAudio,
    regions: Sequence[Region],
    decoded: Sequence[Decoded],
    options: TranscribeOptions,
    hook: StageHook,
) -> list[Piece]:
    """The pieces of ``decoded`` in their sentences' languages and through the guards, with
    every stretch of ``regions`` left unread after the guards decoded alone, then flagged."""
    pieces = screen(
        engine, audio, per_sentence(engine, audio, decoded, options, hook), options, hook
    )
    # Read once the guards have settled the speech around them: a short gap takes the
    # language of its nearest piece, which a loop read in the wrong language would have given.
    # A gap's decode stops short where its language changes as the first decode did (Albanian
    # then Serbian with no pause): what it leaves is read again, alone, in its own language.
    for _ in range(GAP_ROUNDS):
        gaps = uncovered(regions, pieces, audio.start_s)
        if not gaps:
            break
        late = decode_gaps(engine, audio, gaps, pieces, options, hook)
        late = per_sentence(engine, audio, late, options, hook)
        read = screen(engine, audio, late, options, hook)
        if not read:
            break
        pieces += read
    pieces += unread(regions, pieces, audio, options, hook)
    return sorted(flagged_languages(pieces, options), key=lambda piece: piece.start_s)


def transcribe_chunks(
    engine: WhisperEngine,
    chunks: Iterable[AudioChunk],
    options: TranscribeOptions,
    *,
    hook: StageHook = no_hook,
) -> Iterator[Segment]:
    """Segments of a session's consecutive chunks, nothing lost or doubled at the edges.

    Reads one chunk ahead (to know whether another continues the chunk without a gap), so it
    also serves a live sequence of chunks, one chunk behind the recording.
    """
    previous: AudioChunk | None = None
    pending: AudioChunk | None = None
    for chunk in chunks:
        if pending is not None:
            context = ChunkContext(previous, more_follows=contiguous(pending, chunk))
            yield from transcribe_chunk(engine, pending, options, context=context, hook=hook)
            previous = pending
        pending = chunk
    if pending is not None:
        context = ChunkContext(previous, more_follows=False)
        yield from transcribe_chunk(engine, pending, options, context=context, hook=hook)


def _to_segment(piece: Piece, options: TranscribeOptions, chunk_index: int) -> Segment:
    text, other = in_script(piece.text, piece.language, options.serbian_script)
    flags = flagged([word.probability for word in piece.words], options)
    if piece.flag is not None:
        flags = [True] * len(flags)  # a best effort: every word is for the reviewer to check
    words = tuple(
        Word(
            start_s=word.start_s,
            end_s=max(word.end_s, word.start_s),
            text=in_script(word.text.strip(), piece.language, options.serbian_script)[0],
            probability=word.probability,
            # A word Whisper timed at no length at all was not heard: often a repeat it
            # invented ("Hello. Hello. Hello."), whatever its probability says.
            low_confidence=flag or word.end_s <= word.start_s,
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
        flag=piece.flag,
    )
