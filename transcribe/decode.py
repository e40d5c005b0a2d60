"""Decoding encoded windows with their language forced, all of a chunk's windows in one batch.

Each request decodes one encoder output (a whole window, or one stretch encoded again on its
own after a guard failed or the language changed): no conditioning on the previous window's
text, which is what lets a hallucination or a loop spread from one window to the next.
Decoding is beam search and therefore repeatable; a re-decode after a guard fails drops the
vocabulary prompt and forbids repeated 3-grams, and samples only where the operator configured
a second temperature, then with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import ctranslate2
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

from kuvend.types import LanguageCode, SegmentFlag
from transcribe.engine import WhisperEngine
from transcribe.options import TranscribeOptions
from transcribe.vocabulary import hints
from transcribe.windows import Encoded, EncodedWindow, storage

#: faster-whisper's defaults: punctuation that joins the word before or after it.
_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"
#: A window's first timestamp lies within its first second (Whisper's own rule).
_MAX_INITIAL_TIMESTAMP_INDEX = 50
#: Seed for the sampled re-decode, where one is configured: the same file gives the same text.
SAMPLING_SEED = 1


@dataclass(frozen=True, slots=True)
class RawWord:
    """A word as Whisper wrote it (leading space included), on the session clock."""

    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Piece:
    """One Whisper segment on the session clock, with the signals the guards read.

    ``flag`` is set when the guards rejected the text: the piece then stands for speech a
    reviewer must fill in (its ``text`` is empty and it has no words).
    """

    start_s: float
    end_s: float
    text: str
    words: tuple[RawWord, ...]
    language: LanguageCode
    language_probability: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float
    flag: SegmentFlag | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """Decode ``encoded`` (the encoder output of ``window``) in ``language``.

    ``retry`` is the one re-decode a guard asks for; ``hinted`` false decodes without the
    vocabulary prompt (as a retry does).
    """

    window: EncodedWindow
    encoded: Encoded
    language: LanguageCode
    language_probability: float
    origin_s: float
    """Session time of the window's first sample."""
    retry: bool = False
    hinted: bool = True


def decode(
    engine: WhisperEngine, requests: Sequence[Request], options: TranscribeOptions
) -> list[list[Piece]]:
    """The pieces of every request, in request order.

    Batched: one decoder run per kind (first decode or retry), prompt length and window
    length, since CTranslate2 needs the start of the transcript at the same position across a
    batch (the vocabulary prompt of one language can be longer than another's) and encoder
    outputs of one shape (windows are cut to their audio).
    """
    results: list[list[Piece]] = [[] for _ in requests]
    tokenizers = [_tokenizer(engine, request.language) for request in requests]
    prompts = [
        _prompt(
            engine,
            tokenizer,
            options,
            request.language,
            hinted=request.hinted and not request.retry,
        )
        for tokenizer, request in zip(tokenizers, requests, strict=True)
    ]
    groups: dict[tuple[bool, int, int], list[int]] = {}
    for index, request in enumerate(requests):
        key = (request.retry, len(prompts[index]), len(request.encoded))
        groups.setdefault(key, []).append(index)
    for (retry, _, _), chosen in sorted(groups.items()):
        for first in range(0, len(chosen), max(1, options.batch_size)):
            batch = chosen[first : first + max(1, options.batch_size)]
            decoded = _generate(
                engine,
                [(requests[i], tokenizers[i], prompts[i]) for i in batch],
                options,
                retry=retry,
            )
            for index, pieces in zip(batch, decoded, strict=True):
                results[index] = pieces
    return results


def _generate(
    engine: WhisperEngine,
    batch: Sequence[tuple[Request, Tokenizer, list[int]]],
    options: TranscribeOptions,
    *,
    retry: bool,
) -> list[list[Piece]]:
    model = engine.model
    requests = [request for request, _, _ in batch]
    tokenizers = [tokenizer for _, tokenizer, _ in batch]
    prompts = [prompt for _, _, prompt in batch]
    temperature = options.temperatures[1] if retry and len(options.temperatures) > 1 else 0.0
    search: dict[str, Any] = {"beam_size": options.beam_size}
    if temperature > 0:
        ctranslate2.set_random_seed(SAMPLING_SEED)
        search = {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": temperature}
    # Speech holds well under 12 tokens a second: a longer output is a loop, cut short.
    longest = max(request.window.window.duration_s for request in requests)
    budget = max(len(prompt) for prompt in prompts) + int(12 * longest) + 16
    outputs = model.model.generate(
        storage([request.encoded for request in requests]),
        prompts,
        max_length=min(model.max_length, budget),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizers[0], [-1]),
        max_initial_timestamp_index=_MAX_INITIAL_TIMESTAMP_INDEX,
        no_repeat_ngram_size=3 if retry else 0,
        **search,
    )
    return [
        _pieces(engine, tokenizer, request, output, temperature)
        for tokenizer, request, output in zip(tokenizers, requests, outputs, strict=True)
    ]


def _tokenizer(engine: WhisperEngine, language: LanguageCode) -> Tokenizer:
    model = engine.model
    return Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )


def _prompt(
    engine: WhisperEngine,
    tokenizer: Tokenizer,
    options: TranscribeOptions,
    language: LanguageCode,
    *,
    hinted: bool,
) -> list[int]:
    prompt, hotwords = hints(options, language) if hinted else (None, None)
    previous = tokenizer.encode(" " + prompt.strip()) if prompt else []
    return list(engine.model.get_prompt(tokenizer, previous, hotwords=hotwords))


def _pieces(
    engine: WhisperEngine,
    tokenizer: Tokenizer,
    request: Request,
    output: Any,
    temperature: float,
) -> list[Piece]:
    model = engine.model
    tokens = list(output.sequences_ids[0])
    avg_logprob = output.scores[0] * len(tokens) / (len(tokens) + 1)
    frames = request.window.frames
    duration = request.window.window.duration_s
    parts, _, _ = model._split_segments_by_timestamps(
        tokenizer=tokenizer,
        tokens=tokens,
        time_offset=0.0,
        segment_size=frames,
        segment_duration=duration,
        seek=0,
    )
    parts = [part for part in parts if any(t < tokenizer.eot for t in part["tokens"])]
    if not parts:
        return []
    model.add_word_timestamps(
        [parts], tokenizer, storage([request.encoded]), [frames], _PREPEND, _APPEND, 0.0
    )
    origin = request.origin_s
    pieces = []
    for part in parts:
        words = tuple(
            RawWord(
                origin + min(float(w["start"]), duration),
                origin + min(float(w["end"]), duration),
                str(w["word"]),
                float(w["probability"]),
            )
            for w in part.get("words") or ()
        )
        if not words:
            continue
        text = "".join(word.text for word in words).strip()
        pieces.append(
            Piece(
                start_s=words[0].start_s,
                end_s=words[-1].end_s,
                text=text,
                words=words,
                language=request.language,
                language_probability=request.language_probability,
                avg_logprob=float(avg_logprob),
                no_speech_prob=float(output.no_speech_prob),
                compression_ratio=get_compression_ratio(text),
                temperature=temperature,
            )
        )
    return pieces


def with_words(piece: Piece, words: tuple[RawWord, ...]) -> Piece:
    """``piece`` narrowed to ``words`` (its text rebuilt from them)."""
    text = "".join(word.text for word in words).strip()
    return replace(piece, words=words, text=text, start_s=words[0].start_s, end_s=words[-1].end_s)
