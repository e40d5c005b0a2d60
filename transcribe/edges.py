"""Where one chunk's words end and the next chunk's begin.

Chunks are cut at fixed lengths, so a sentence often runs across a cut. Each chunk boundary
is moved back to the start of the speech that runs across it (which begins after a pause):
the earlier chunk stops there and the later chunk decodes that speech whole, reading the end of
the earlier chunk's file first. Both sides compute the same point from the same samples, so
chunks can be transcribed in any order, in separate processes, and still no word is lost or
written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kuvend.domain import SAMPLE_RATE_HZ, AudioChunk
from transcribe.audio import read_samples
from transcribe.options import TranscribeOptions
from transcribe.regions import speech_regions

#: Speech ending this close to the end of a chunk runs on into the next one.
_TOUCHES_END_S = 0.3
#: Chunks closer than this on the session clock are one continuous recording.
_CONTIGUOUS_S = 0.05


@dataclass(frozen=True, slots=True)
class ChunkContext:
    """The chunks around the one being transcribed.

    ``previous`` is the chunk before it (the speech running out of it is decoded here);
    ``more_follows`` says that another chunk continues this one without a gap, and will
    decode the speech running out of it (``hands_over``). A chunk with no context is
    transcribed alone, to its end.
    """

    previous: AudioChunk | None = None
    more_follows: bool = False


def hands_over(chunks: Sequence[AudioChunk], index: int) -> bool:
    """True when a later chunk continues chunk ``index`` of ``chunks`` (in order) without a gap
    in the recording, and so decodes the speech running out of it. Before a gap nothing
    would: the chunk decodes its own speech to its end."""
    return index + 1 < len(chunks) and contiguous(chunks[index], chunks[index + 1])


def contiguous(previous: AudioChunk, chunk: AudioChunk) -> bool:
    """True when ``chunk`` continues ``previous`` without a gap in the recording."""
    return abs(chunk.offset_s - previous.end_s) <= _CONTIGUOUS_S


def handover_s(chunk: AudioChunk, options: TranscribeOptions) -> float:
    """Session time where ``chunk`` hands over to the next chunk.

    The start of the speech region running into the chunk's end, when it starts within the
    last ``carry_max_s``; otherwise the chunk's end (in a pause, or, for speech with no pause
    that long, a plain cut).
    """
    window_s = min(options.carry_max_s, chunk.duration_s)
    window_start = chunk.duration_s - window_s
    tail = read_samples(chunk, from_s=window_start)
    regions = speech_regions(tail, options)
    if not regions:
        return chunk.end_s
    last = regions[-1]
    runs_out = len(tail) / SAMPLE_RATE_HZ - last.end_s <= _TOUCHES_END_S
    if runs_out and last.start_s > 0.0:
        return chunk.offset_s + window_start + last.start_s
    return chunk.end_s


def span_of(
    chunk: AudioChunk, context: ChunkContext, options: TranscribeOptions
) -> tuple[float, float]:
    """``(start_s, end_s)`` of the session audio this chunk is responsible for."""
    start = chunk.offset_s
    if context.previous is not None and contiguous(context.previous, chunk):
        start = handover_s(context.previous, options)
    end = handover_s(chunk, options) if context.more_follows else chunk.end_s
    return start, end
