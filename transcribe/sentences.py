"""Segment boundaries at sentence ends.

Whisper cuts its segments where its timestamps fall, often mid-sentence, and a VAD pause can
split one sentence in two. Here pieces are split after every word that ends a sentence and
joined again until a sentence ends, the language changes, a long pause comes, or the segment
would grow past ``max_segment_s``. Streams: holds at most one unfinished sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from transcribe.decode import Piece, with_words
from transcribe.guards import compression_ratio
from transcribe.options import TranscribeOptions

_SENTENCE_END = (".", "?", "!", "…", "。")


def ends_sentence(text: str) -> bool:
    """True when ``text`` closes a sentence (ignoring closing quotes and brackets)."""
    return text.rstrip().rstrip("\"')]}»”’").endswith(_SENTENCE_END)


def split_at_sentence_ends(piece: Piece) -> Iterator[Piece]:
    """``piece`` cut after each word that ends a sentence."""
    start = 0
    for index, word in enumerate(piece.words):
        if ends_sentence(word.text) and index + 1 < len(piece.words):
            yield with_words(piece, piece.words[start : index + 1])
            start = index + 1
    yield with_words(piece, piece.words[start:]) if start else piece


def join(first: Piece, second: Piece) -> Piece:
    """One piece of both; quality signals are averaged by word count."""
    a, b = len(first.words), len(second.words)

    def mean(x: float, y: float) -> float:
        return (x * a + y * b) / (a + b)

    words = first.words + second.words
    text = "".join(word.text for word in words).strip()
    return Piece(
        start_s=first.start_s,
        end_s=second.end_s,
        text=text,
        words=words,
        language=first.language,
        language_probability=mean(first.language_probability, second.language_probability),
        avg_logprob=mean(first.avg_logprob, second.avg_logprob),
        no_speech_prob=mean(first.no_speech_prob, second.no_speech_prob),
        compression_ratio=compression_ratio(text),
        temperature=max(first.temperature, second.temperature),
    )


def sentence_segments(pieces: Iterable[Piece], options: TranscribeOptions) -> Iterator[Piece]:
    """Pieces regrouped so that segments end at sentence ends where the audio allows."""
    pending: Piece | None = None
    for piece in pieces:
        # A flagged stretch stays whole: its words are a best effort, not sentences.
        for part in split_at_sentence_ends(piece) if piece.flag is None else (piece,):
            if pending is None:
                pending = part
            elif (
                pending.flag is None
                and part.flag is None
                and not ends_sentence(pending.text)
                and part.language == pending.language
                and part.start_s - pending.end_s <= options.sentence_gap_s
                and part.end_s - pending.start_s <= options.max_segment_s
            ):
                pending = join(pending, part)
            else:
                yield pending
                pending = part
            if ends_sentence(pending.text) or pending.flag is not None:
                yield pending
                pending = None
    if pending is not None:
        yield pending
