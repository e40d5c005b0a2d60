"""Guards against invented text: silence, music, repetition loops, Whisper's stock phrases.

Whisper was trained on subtitled video, so over silence or music it writes what subtitles
say there ("Thanks for watching", "Subtitles by …"), repeats a phrase until the window ends,
or echoes the prompt. None of that may reach the minutes.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import replace

from transcribe.decode import Piece
from transcribe.options import TranscribeOptions

#: Fragments of the stock phrases Whisper invents over non-speech, in the spellings it uses
#: (matched on lower-case text without diacritics). None is said in an assembly.
KNOWN_HALLUCINATIONS = (
    "subtitles by",
    "amara.org",
    "thanks for watching",
    "thank you for watching",
    "please subscribe",
    "like and subscribe",
    "www.",
    ".com",
    "titlovi",
    "titlovao",
    "prevod i titl",
    "hvala na gledanju",
    "hvala sto ste gledali",
    "hvala sto pratite",
    "pretplatite se",
    "titrat",
    "titrime",
    "perkthimi dhe titrimi",
    "faleminderit qe na ndoqet",
    "abonohuni",
    "sous-titres",
    "untertitel",
)

_WORD = re.compile(r"\w+", re.UNICODE)

#: A phrase of two words or more (or a whole sentence, piece after piece) read more often than
#: this in a row is a loop. In the 54,000 words of real text in ``../shared/eval`` (ParlaMint
#: RS and BA, the Croatian Parliament's sitting, the Kosovo court rulings) no such phrase comes
#: even three times in a row; a chair's "ju lutem, ju lutem, ju lutem" may.
MAX_PHRASE_ROUNDS = 3


def plain(text: str) -> str:
    """Lower-case, no diacritics, Cyrillic kept: the form phrases are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def plain_words(text: str) -> list[str]:
    """The words of ``text`` in their ``plain`` form: what phrases are compared in."""
    return _WORD.findall(plain(text))


def compression_ratio(text: str) -> float:
    """Whisper's loop signal: how well the text compresses (high = repetitive)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def longest_repeat(text: str, *, min_phrase_words: int = 1, max_phrase_words: int = 4) -> int:
    """How many times in a row the most repeated phrase (``min_phrase_words`` to
    ``max_phrase_words`` words) follows itself."""
    words = plain_words(text)
    best = 1
    for size in range(min_phrase_words, max_phrase_words + 1):
        for start in range(len(words) - size):
            count = 1
            position = start + size
            while words[position : position + size] == words[start : start + size]:
                count += 1
                position += size
            best = max(best, count)
    return best


def is_loop(piece: Piece, options: TranscribeOptions) -> bool:
    """True when the piece is a repetition loop rather than speech: it compresses too well,
    a word comes more than ``options.max_repeats`` times in a row, or a phrase of two to four
    words more than ``MAX_PHRASE_ROUNDS`` times."""
    return (
        compression_ratio(piece.text) > options.compression_ratio_threshold
        or longest_repeat(piece.text) > options.max_repeats
        or longest_repeat(piece.text, min_phrase_words=2) > MAX_PHRASE_ROUNDS
    )


def repeated_runs(pieces: Sequence[Piece]) -> list[tuple[Piece, int]]:
    """``pieces`` (one decode's, in time order) with each run of more than
    ``MAX_PHRASE_ROUNDS`` pieces in a row of the same words joined into one piece over the
    run, each with how many pieces it holds (1: a piece alone): a roll call's "Po." three
    times stays.

    Whisper loops across its own segments as well as inside one: over AMI tst00, decoded as
    Serbian, it wrote "Tako je?" as ten segments in a row, six of no length, and each alone
    passes every guard. A roll call's four identical answers in a row are joined too: the
    reviewer restores them. The joined piece's signals are the run's worst (lowest
    log-probability, highest no-speech probability).
    """
    runs: list[list[Piece]] = []
    for piece in pieces:
        words = plain_words(piece.text)
        if runs and words and plain_words(runs[-1][0].text) == words:
            runs[-1].append(piece)
        else:
            runs.append([piece])
    joined: list[tuple[Piece, int]] = []
    for run in runs:
        if len(run) <= MAX_PHRASE_ROUNDS:
            joined += [(piece, 1) for piece in run]
            continue
        text = " ".join(piece.text.strip() for piece in run)
        whole = replace(
            run[0],
            start_s=min(piece.start_s for piece in run),
            end_s=max(piece.end_s for piece in run),
            text=text,
            words=tuple(word for piece in run for word in piece.words),
            avg_logprob=min(piece.avg_logprob for piece in run),
            no_speech_prob=max(piece.no_speech_prob for piece in run),
            compression_ratio=compression_ratio(text),
        )
        joined.append((whole, len(run)))
    return joined


def not_words(piece: Piece) -> str | None:
    """Why the text of ``piece`` cannot be anyone's words (no letters, a stock phrase), or
    ``None``: such text is dropped whatever the audio under it."""
    text = plain(piece.text)
    if not any(char.isalpha() for char in text):
        return "no letters"
    for phrase in KNOWN_HALLUCINATIONS:
        if phrase in text:
            return f"stock phrase {phrase!r}"
    return None


def sounds_silent(piece: Piece, options: TranscribeOptions) -> bool:
    """Whisper's own silence signals (both over their limits) for the window of ``piece``.

    Whisper reads them once per window, so over a stretch the VAD calls speech they say only
    that the model could not make it out, not that nobody spoke.
    """
    return (
        piece.no_speech_prob > options.no_speech_threshold
        and piece.avg_logprob < options.log_prob_threshold
    )


def prompt_leak(piece: Piece, options: TranscribeOptions, prompt: str | None) -> str | None:
    """Why ``piece`` looks copied from the vocabulary prompt rather than heard, or ``None``.

    The whole prompt (or three words of it in order, and nothing else) reproduced, or one of
    the vocabulary's terms written with words the model was unsure of (mean probability under
    ``options.leak_p``): a name really said is usually heard with confidence. A term's single
    word of four letters or more counts as the term (a surname alone, "Marković.", was
    written where nobody said it).
    """
    if not prompt:
        return None
    if _echoes(plain(piece.text), plain(prompt)):
        return "echo of the vocabulary prompt"
    heard = [(plain_words(word.text), word.probability) for word in piece.words]
    tokens = [(token, p) for parts, p in heard for token in parts]
    for term in options.vocabulary:
        whole = plain_words(term)
        for wanted in [whole, *([word] for word in whole if len(word) >= 4 and len(whole) > 1)]:
            leak = _unsure_term(tokens, wanted, options.leak_p)
            if leak is not None:
                return f"vocabulary term {term!r} heard with probability {leak:.2f}"
    return None


def vocabulary_words(options: TranscribeOptions) -> set[str]:
    """Every word of the vocabulary's terms, in its ``plain`` form."""
    return {word for term in options.vocabulary for word in plain_words(term)}


def vocabulary_only(text: str, options: TranscribeOptions) -> bool:
    """True when every word of ``text`` (at least one) is a word of the vocabulary's terms."""
    words = plain_words(text)
    return bool(words) and set(words) <= vocabulary_words(options)


def _unsure_term(tokens: list[tuple[str, float]], wanted: list[str], leak_p: float) -> float | None:
    """The mean probability of the first run of ``tokens`` spelling ``wanted`` heard under
    ``leak_p``, or ``None``."""
    for start in range(len(tokens) - len(wanted) + 1):
        window = tokens[start : start + len(wanted)]
        if wanted and [token for token, _ in window] == wanted:
            mean = sum(p for _, p in window) / len(window)
            if mean < leak_p:
                return mean
    return None


def _echoes(text: str, prompt: str) -> bool:
    """Three or more words of the prompt, in its order, and nothing else: an echo."""
    words = _WORD.findall(text)
    return len(words) >= 3 and " ".join(words) in " ".join(_WORD.findall(prompt))


def flagged(probabilities: Sequence[float], options: TranscribeOptions) -> list[bool]:
    """Which words a reviewer should check: those the model was unsure of."""
    return [bool(p < options.low_confidence_p) for p in probabilities]
