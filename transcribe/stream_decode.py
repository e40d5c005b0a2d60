"""One streaming step's Whisper work: the buffer encoded once, in a window cut to its length.

``WhisperModel.transcribe`` pads every input to a 30 s window, so re-decoding a buffer of a
few seconds at every step costs a full 30 s encoder pass, and a second one (with a second
decode) whenever the hypothesis ends inside a word, which in a live buffer is most of the
time. CTranslate2's Whisper encoder accepts fewer frames than 3000: here the buffer's
features are padded only to the next multiple of ``quantum_s`` past its end (at least
``pad_s`` of silence, which is where Whisper expects to find the end of speech), encoded
once, and that one encoder output serves the language decision and a single greedy decode.
On Whisper base and 2 CPU cores a 10 s window encodes in about a tenth of the time of a 30 s
one (self-attention grows with the square of the frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.types import LanguageCode
from transcribe.audio import Samples
from transcribe.engine import WhisperEngine
from transcribe.language import LanguageChoice, choose_language
from transcribe.windows import cut_frames

#: Seconds per timestamp token.
_TIMESTAMP_S = 0.02
#: Whisper's own rule: a window's first timestamp lies within its first second.
_MAX_INITIAL_TIMESTAMP_INDEX = 50


@dataclass(frozen=True, slots=True)
class BufferSegment:
    """A run of text between two of Whisper's timestamps, in seconds from the buffer's start;
    the last one ends at the buffer's end when Whisper had not closed it."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class EncodedBuffer:
    """The encoder output of one buffer and the length of audio it holds."""

    output: ctranslate2.StorageView
    duration_s: float


def encode_buffer(
    engine: WhisperEngine, samples: Samples, *, pad_s: float = 1.0, quantum_s: float = 2.0
) -> EncodedBuffer:
    """``samples`` (16 kHz mono, at most 30 s) through the encoder, in a window cut to their
    length (``windows.cut_frames``)."""
    model = engine.model
    duration = len(samples) / SAMPLE_RATE_HZ
    frames = cut_frames(duration, pad_s=pad_s, quantum_s=quantum_s)
    # The feature extractor is shared with the chunked pass: never pass it a chunk_length,
    # which it would keep.
    features = model.feature_extractor(np.asarray(samples, np.float32))
    # Padded with zeros as faster-whisper pads its 30 s windows.
    window = np.ascontiguousarray(pad_or_trim(features, frames)[None], np.float32)
    output = model.model.encode(ctranslate2.StorageView.from_array(window), to_cpu=False)
    engine.counters.encoder_passes += 1
    return EncodedBuffer(output, duration)


def buffer_language(
    engine: WhisperEngine, encoded: EncodedBuffer, allowed: tuple[LanguageCode, ...]
) -> LanguageChoice:
    """The allowed language of the encoded buffer (no second encoder pass)."""
    if len(allowed) == 1:
        return LanguageChoice(allowed[0], 1.0, {allowed[0]: 1.0})
    pairs = engine.model.model.detect_language(encoded.output)[0]
    # Tokens read "<|sq|>": the code sits between the markers.
    return choose_language({token[2:-2]: p for token, p in pairs}, allowed)


def decode_buffer(
    engine: WhisperEngine,
    encoded: EncodedBuffer,
    language: LanguageCode,
    prompt: str,
    *,
    prefix: str = "",
    prefix_end_s: float = 0.0,
    max_new_tokens: int,
) -> list[BufferSegment]:
    """One greedy decode with timestamps: ``prompt`` (text before the buffer) is context,
    ``prefix`` (text already committed from the buffer, said up to ``prefix_end_s``) is
    forced, and only what follows it is generated and returned.

    The prefix goes through the decoder in one pass; generating its tokens again, one at a
    time, at every step would cost most of the step.
    """
    model = engine.model
    tokenizer = _tokenizer(engine, language)
    previous = tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
    tokens_in = list(model.get_prompt(tokenizer, previous, prefix=prefix.strip() or None))
    result = model.model.generate(
        encoded.output,
        [tokens_in],
        beam_size=1,
        max_length=min(model.max_length, len(tokens_in) + max_new_tokens),
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
        max_initial_timestamp_index=_MAX_INITIAL_TIMESTAMP_INDEX,
    )[0]
    tokens = list(result.sequences_ids[0])
    # The result repeats the forced part after the task token: the timestamp and the prefix.
    forced = len(tokens_in) - tokens_in.index(tokenizer.sot_sequence[-1]) - 1
    start = prefix_end_s if forced else 0.0
    return _segments(tokenizer, tokens[forced:], start, encoded.duration_s)


def _segments(
    tokenizer: Tokenizer, tokens: list[int], start: float, duration_s: float
) -> list[BufferSegment]:
    """Split at timestamp tokens (text before the first one starts at ``start``); text after
    the last timestamp runs to the buffer's end."""
    segments: list[BufferSegment] = []
    text: list[int] = []
    for token in tokens:
        if token >= tokenizer.timestamp_begin:
            time = min((token - tokenizer.timestamp_begin) * _TIMESTAMP_S, duration_s)
            if text:
                segments.append(BufferSegment(start, max(time, start), tokenizer.decode(text)))
                text = []
            start = time
        elif token < tokenizer.eot:
            text.append(token)
    if text:
        segments.append(BufferSegment(start, duration_s, tokenizer.decode(text)))
    return [segment for segment in segments if segment.text.strip()]


@lru_cache(maxsize=8)
def _tokenizer(engine: WhisperEngine, language: LanguageCode) -> Tokenizer:
    model = engine.model
    return Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )
