"""Streaming captions: a growing audio buffer re-decoded at every step, words committed by
local agreement.

Audio arrives in small steps (0.5 s). At every step the buffer (about 5 s) goes through
Whisper's encoder once, in a window cut to its length (``transcribe.stream_decode``), and is
decoded greedily with its sentence's language forced and the words already committed from it
forced as a prefix, so that only the uncommitted rest is generated. A word is *committed* only
once two successive hypotheses agree on it: the longest common prefix of the two, after the
text already committed (the local-agreement policy of Macháček, Dabre and Bojar, "Turning
Whisper into Real-Time Transcription System", IJCNLP-AACL 2023; written here from the paper's
description). What follows the agreed prefix is the *tentative* tail: shown, marked, and free
to change. Committed words never change and are never emitted twice. Words that Whisper base
spells differently at every step (many, on real Croatian and Albanian assembly speech) would
never agree; so a word that ended ``commit_after_s`` before the buffer's end is
committed as the newest hypothesis has it (a latency bound: with agreement alone, words were
committed a median 5.4 s after they were spoken at 1 s steps, 2.5 s at 0.5 s steps, 95th
percentile 8.7 and 5.1 s, on real Croatian parliament speech with no limit on compute).

The buffer is trimmed at the end of a Whisper segment that closes a committed sentence (or, past
``max_buffer_s``, at the end of the last committed segment), so that its cost stays bounded;
the committed text before the buffer is the decoder's prompt (dropped for a step whose
hypothesis loops, and when it is in another language). Each sentence's language is chosen
among the assembly's (Croatian and Bosnian count as Serbian) from the step's encoder output, at
every step from ``min_language_s`` of audio until the buffer holds ``language_settle_s`` and
the sentence's first word is committed; Serbian words are written in the assembly's script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.types import LanguageCode, SerbianScript
from transcribe.audio import Samples
from transcribe.engine import WhisperEngine
from transcribe.guards import KNOWN_HALLUCINATIONS, compression_ratio, longest_repeat, plain
from transcribe.script import in_script
from transcribe.sentences import ends_sentence
from transcribe.stream_decode import (
    BufferSegment,
    EncodedBuffer,
    buffer_language,
    decode_buffer,
    encode_buffer,
)

_LETTERS = re.compile(r"\w+", re.UNICODE)
#: A run of one to three letters repeated four more times inside a word ("ljjjjj", "movovovo").
_STUTTER = re.compile(r"(\w{1,3})\1{4,}", re.UNICODE)
#: A hypothesis word that starts this much before the last committed word's end is new speech.
_TIME_SLACK_S = 0.1
#: Decode the whole buffer again when nothing follows the forced prefix but this much audio.
_RETRY_UNFORCED_S = 1.0
#: How far back in the committed words a repeat at a new hypothesis's start is looked for.
_MAX_ECHO_WORDS = 10
#: New words a repeat of committed ones may follow at a hypothesis's start.
_ECHO_LEAD_WORDS = 3


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How a live stream is captioned. Defaults suit Whisper base on 2 CPU cores."""

    languages: tuple[LanguageCode, ...] = ("sq", "sr")
    serbian_script: SerbianScript = "latin"
    step_s: float = 0.5
    """Audio added between two decodes (a slow decode makes the next step longer)."""
    min_language_s: float = 1.5
    """Nothing is decoded before the buffer has this much audio."""
    language_settle_s: float = 4.0
    """The sentence's language is chosen again at every step until the buffer holds this much
    audio (and until its first word is committed): on two seconds Whisper base often takes
    Croatian for Albanian, from three to four it rarely does (real parliament speech,
    ``bench/live_session.py``)."""
    commit_after_s: float = 1.0
    """Latency bound: a word of the new hypothesis that ended this long before the buffer's end
    is committed even when the previous hypothesis differed (it has had that much audio after
    it); 0 turns the bound off (local agreement alone)."""
    max_buffer_s: float = 5.0
    """Kept short because every step encodes the whole buffer and forces its committed words
    through the decoder again. Past this the buffer is trimmed at its last committed segment
    even mid-sentence; past this plus 5 s (nothing agreed for that long, or decoding fell
    behind) its oldest audio is dropped and the tentative words in it are committed as they
    stand."""
    prompt_chars: int = 80
    """Committed text before the buffer given to Whisper as context. Its tokens, like the
    committed words forced from the buffer, go through the decoder at every step: on 40 s of
    the live bench's real speech at 0.5 s steps (offline) 45.4 CPU-s with 200 characters and
    an 8 s buffer, 41.7 with no prompt, 34.8 with 80 characters and a 5 s buffer."""
    vad_threshold: float = 0.5
    """A buffer without speech at this Silero threshold is not decoded."""
    max_repeats: int = 2
    """A hypothesis repeating a phrase more often than this is a loop: cut where it starts
    (live captions show a few words at a time, where a threefold repeat is a loop)."""
    compression_ratio_threshold: float = 2.4

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError("StreamOptions.languages must name at least one language")
        if not 0.1 <= self.step_s <= 5.0:
            raise ValueError(f"step_s must be between 0.1 and 5 seconds, not {self.step_s}")
        if self.commit_after_s < 0:
            raise ValueError(f"commit_after_s must not be negative, not {self.commit_after_s}")
        if not 5.0 <= self.max_buffer_s <= 20.0:
            raise ValueError(f"max_buffer_s must be between 5 and 20 s, not {self.max_buffer_s}")


@dataclass(frozen=True, slots=True)
class CaptionWord:
    """One captioned word on the session clock (times interpolated within its segment)."""

    start_s: float
    end_s: float
    text: str
    """As shown: Serbian in the assembly's script, punctuation attached."""
    language: LanguageCode


@dataclass(frozen=True, slots=True)
class CaptionUpdate:
    """What one step changed: words committed now (append them) and the whole tentative tail
    (replace the previous one with it)."""

    committed: tuple[CaptionWord, ...] = ()
    tentative: tuple[CaptionWord, ...] = ()
    decoded: bool = False
    """Whether Whisper ran in this step (``False``: silence, or too little audio yet)."""


@dataclass(frozen=True, slots=True)
class _Hyp:
    start_s: float
    end_s: float
    raw: str
    key: str
    segment_end_s: float
    """End of the Whisper segment the word is the last of, else ``nan``."""


@dataclass
class StreamingDecoder:
    """The captions of one live stream. Not thread-safe: one stream, one caller."""

    engine: WhisperEngine
    options: StreamOptions = field(default_factory=StreamOptions)
    start_s: float = 0.0
    """Session time of the first sample pushed."""
    committed: list[CaptionWord] = field(default_factory=list)
    """Every word committed so far, in order (read-only for callers)."""
    _buffer: Samples = field(default_factory=lambda: np.zeros(0, np.float32))
    _buffer_start_s: float = 0.0
    _pending_s: float = 0.0
    _language: LanguageCode | None = None
    _language_on_s: float = 0.0
    """Audio in the buffer when the language was chosen."""
    _in_buffer: list[_Hyp] = field(default_factory=list)
    _tail: list[_Hyp] = field(default_factory=list)
    _prompt: str = ""

    def __post_init__(self) -> None:
        self._buffer_start_s = self.start_s

    @property
    def end_s(self) -> float:
        """Session time just after the last sample pushed."""
        return self._buffer_start_s + len(self._buffer) / SAMPLE_RATE_HZ

    @property
    def pending(self) -> bool:
        """Whether words are tentative or audio has come in since the last decode."""
        return bool(self._tail) or self._pending_s > 0

    @property
    def text(self) -> str:
        """The committed text so far."""
        return " ".join(word.text for word in self.committed)

    def push(self, samples: Samples, start_s: float | None = None) -> CaptionUpdate | None:
        """Append 16 kHz mono ``samples``; decode when a step's worth has come in.

        ``start_s`` (session time of the first sample) later than :attr:`end_s` is a cut in
        the stream: the audio before it is decoded a last time, its words are committed except
        one still being spoken at the cut, and a new buffer starts. Returns the step's update,
        or ``None`` when it is not yet time to decode.
        """
        update: CaptionUpdate | None = None
        if start_s is not None and start_s > self.end_s + 0.25:
            update = self._cut(start_s)
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, np.float32)])
        self._pending_s += len(samples) / SAMPLE_RATE_HZ
        if self._pending_s < self.options.step_s:
            return update
        step = self.step()
        if update is None:
            return step
        return CaptionUpdate(update.committed + step.committed, step.tentative, True)

    def step(self) -> CaptionUpdate:
        """Decode the buffer now and commit what two successive hypotheses agree on."""
        self._pending_s = 0.0
        forced = self._bound()
        new = self._hypothesis()
        if new is None:
            return CaptionUpdate(forced, self._shown(self._tail))
        agreed = 0
        while agreed < min(len(new), len(self._tail)) and new[agreed].key == self._tail[agreed].key:
            agreed += 1
        if self.options.commit_after_s:
            horizon = self.end_s - self.options.commit_after_s
            while agreed < len(new) and new[agreed].end_s <= horizon:
                agreed += 1
        committed = self._commit(new[:agreed])
        self._tail = new[agreed:]
        self._trim()
        return CaptionUpdate(forced + committed, self._shown(self._tail), True)

    def _bound(self) -> tuple[CaptionWord, ...]:
        """Keep the buffer within one Whisper window (see ``StreamOptions.max_buffer_s``)."""
        excess = len(self._buffer) / SAMPLE_RATE_HZ - (self.options.max_buffer_s + 5.0)
        if excess <= 0:
            return ()
        cut_s = self._buffer_start_s + excess
        kept = 0
        while kept < len(self._tail) and self._tail[kept].end_s <= cut_s:
            kept += 1
        forced = self._commit(self._tail[:kept])
        self._tail = self._tail[kept:]
        self._drop(round(excess * SAMPLE_RATE_HZ))
        self._language = None
        return forced

    def close(self) -> CaptionUpdate:
        """End of the stream: the last audio is decoded and its whole hypothesis committed."""
        new = self._hypothesis() if self._pending_s > 0 else None
        committed = self._commit(new or self._tail)
        self._reset(self.end_s)
        return CaptionUpdate(committed, (), new is not None)

    # Decoding.

    def _hypothesis(self) -> list[_Hyp] | None:
        """The buffer's new words past the committed ones, or ``None`` when nothing is decoded."""
        duration = len(self._buffer) / SAMPLE_RATE_HZ
        if duration < self.options.min_language_s:
            return None
        if not self._has_speech():
            if not self._tail:  # silence: keep only its last half second; a new turn may follow
                self._drop(len(self._buffer) - SAMPLE_RATE_HZ // 2)
                self._language = None
            return None
        encoded = encode_buffer(self.engine, self._buffer)
        if (
            self._language is None
            or not self._in_buffer
            or self._language_on_s < self.options.language_settle_s
        ):
            # Chosen again at every step until it is settled: the encoder output is at hand,
            # and two seconds are often too few to tell.
            self._language = buffer_language(self.engine, encoded, self.options.languages).language
            self._language_on_s = duration
        # Text in another language as context draws Whisper into repeating it.
        prompt = self._prompt if self._same_language() else ""
        known = self._in_buffer
        since_s = known[-1].end_s - self._buffer_start_s if known else 0.0
        prefix = " ".join(w.raw for w in known)
        written = self._decode(encoded, prefix, since_s, prompt)
        after = _cut_loop(written, self.options)
        if len(after) < len(written) and prompt:
            # A loop: the text before the buffer is often what set it off.
            written = self._decode(encoded, prefix, since_s, "")
            after = _cut_loop(written, self.options)
        if known and not written and encoded.duration_s - since_s >= _RETRY_UNFORCED_S:
            # After a forced prefix that ends a sentence Whisper sometimes ends the transcript
            # there: decode the whole buffer and find the committed words in it again.
            words = _cut_loop(self._decode(encoded, "", 0.0, prompt), self.options)
            found = _after_anchor(words, [w.key for w in known])
            # Not found again: keep what starts after them in time.
            after = (
                found
                if found is not None
                else [w for w in words if w.start_s >= known[-1].end_s - _TIME_SLACK_S]
            )
        return _without_echo(after, [_key(w.text) for w in self.committed[-_MAX_ECHO_WORDS:]])

    def _decode(
        self, encoded: EncodedBuffer, prefix: str, since_s: float, prompt: str
    ) -> list[_Hyp]:
        """The words Whisper writes after ``prefix`` (said up to ``since_s`` into the buffer)
        with ``prompt`` as the text before the buffer."""
        assert self._language is not None
        segments = decode_buffer(
            self.engine,
            encoded,
            self._language,
            prompt,
            prefix=prefix,
            prefix_end_s=since_s,
            max_new_tokens=min(int(10 * (encoded.duration_s - since_s)) + 10, 200),
        )
        return [w for s in segments for w in _words_of(s, self._buffer_start_s, self.end_s)]

    def _same_language(self) -> bool:
        """Whether the last committed word is in the language chosen now."""
        return bool(self.committed) and self.committed[-1].language == self._language

    def _has_speech(self) -> bool:
        vad = VadOptions(threshold=self.options.vad_threshold, min_silence_duration_ms=300)
        return bool(get_speech_timestamps(self._buffer, vad))

    # Bookkeeping.

    def _commit(self, words: Sequence[_Hyp]) -> tuple[CaptionWord, ...]:
        shown = self._shown(words)
        self.committed += shown
        self._in_buffer += words
        return shown

    def _shown(self, words: Sequence[_Hyp]) -> tuple[CaptionWord, ...]:
        language = self._language or self.options.languages[0]
        script = self.options.serbian_script
        return tuple(
            CaptionWord(w.start_s, w.end_s, in_script(w.raw, language, script)[0], language)
            for w in words
        )

    def _trim(self) -> None:
        """Drop the buffer's audio up to its last committed sentence end (or, when it has
        grown past the bound, up to its last committed segment end)."""
        ends = [w.segment_end_s for w in self._in_buffer if w.segment_end_s == w.segment_end_s]
        sentence = [
            w.segment_end_s
            for w in self._in_buffer
            if w.segment_end_s == w.segment_end_s and ends_sentence(w.raw)
        ]
        overdue = len(self._buffer) / SAMPLE_RATE_HZ > self.options.max_buffer_s
        cut = sentence[-1] if sentence else (ends[-1] if ends and overdue else None)
        if cut is None and overdue and self._in_buffer:
            cut = self._in_buffer[-1].end_s
        if cut is None or cut <= self._buffer_start_s:
            return
        self._drop(round((cut - self._buffer_start_s) * SAMPLE_RATE_HZ))
        if sentence:
            self._language = None  # a new sentence: its language is chosen again

    def _drop(self, samples: int) -> None:
        """Forget the buffer's first ``samples``; committed text before it becomes the prompt."""
        drop = max(0, min(len(self._buffer), samples))
        self._buffer = self._buffer[drop:]
        self._buffer_start_s += drop / SAMPLE_RATE_HZ
        self._in_buffer = [w for w in self._in_buffer if w.start_s >= self._buffer_start_s]
        self._prompt = self.text[-self.options.prompt_chars :]

    def _cut(self, resume_s: float) -> CaptionUpdate:
        new = self._hypothesis()
        words = new or self._tail
        # The last word may have been cut off mid-way; a finished sentence is kept whole.
        if words and not ends_sentence(words[-1].raw):
            words = words[:-1]
        committed = self._commit(words)
        self._reset(resume_s)
        return CaptionUpdate(committed, (), new is not None)

    def _reset(self, start_s: float) -> None:
        self._buffer = np.zeros(0, np.float32)
        self._buffer_start_s = start_s
        self._pending_s = 0.0
        self._language = None
        self._in_buffer = []
        self._tail = []
        self._prompt = self.text[-self.options.prompt_chars :]


def _key(text: str) -> str:
    """What two hypotheses are compared on: the letters, lower-case, without diacritics."""
    return "".join(_LETTERS.findall(plain(text)))


def _words_of(segment: BufferSegment, origin_s: float, end_s: float) -> list[_Hyp]:
    """A segment's words, times spread over the segment in proportion to their length."""
    tokens = segment.text.split()
    start = origin_s + float(segment.start)
    stop = min(max(origin_s + float(segment.end), start), end_s)
    total = sum(len(token) + 1 for token in tokens) or 1
    words, done = [], 0
    for index, token in enumerate(tokens):
        first = start + (stop - start) * done / total
        done += len(token) + 1
        last = start + (stop - start) * done / total
        closes = stop if index == len(tokens) - 1 else float("nan")
        if _key(token):
            words.append(_Hyp(first, last, token, _key(token), closes))
    return words


def _after_anchor(words: list[_Hyp], known: list[str]) -> list[_Hyp] | None:
    """The words after the committed ones found again in ``words``: the last one to three
    committed words, at the place nearest to where they were; ``None`` if not found."""
    if not known:
        return words
    keys = [w.key for w in words]
    for size in range(min(3, len(known)), 0, -1):
        target = known[-size:]
        places = [i for i in range(len(keys) - size + 1) if keys[i : i + size] == target]
        if places:
            place = min(places, key=lambda i: abs(i - (len(known) - size)))
            return words[place + size :]
    return None


def _cut_loop(words: list[_Hyp], options: StreamOptions) -> list[_Hyp]:
    """The hypothesis up to where a repetition loop or a stock subtitle phrase begins."""
    for end in range(len(words)):
        tail = plain(" ".join(w.raw for w in words[max(0, end - 3) : end + 1]))
        if any(phrase in tail for phrase in KNOWN_HALLUCINATIONS) or _STUTTER.search(
            words[end].key
        ):
            return words[: max(0, end - 3)]
        if _loops(words[: end + 1], options):
            start = end
            while start > 0 and not _loops(words[start : end + 1], options):
                start -= 1
            return words[:start]
    return words


def _loops(words: list[_Hyp], options: StreamOptions) -> bool:
    text = " ".join(w.raw for w in words)
    return (
        longest_repeat(text) > options.max_repeats
        or compression_ratio(text) > options.compression_ratio_threshold
    )


def _without_echo(words: list[_Hyp], committed_keys: list[str]) -> list[_Hyp]:
    """``words`` without a run near their start that repeats committed words: the end of the
    committed text (a prompt echo), or two words or more from a little further back (after a
    trim the audio of words committed just before it is decoded again, and with a latency
    bound more words are committed before the next hypothesis comes). A run of three or more
    starting within the first ``_ECHO_LEAD_WORDS`` goes with the words before it, which are
    another reading of the same audio ("o be se s hatime što bihte" after "s hatime što
    bihte" was committed)."""
    keys = [w.key for w in words]
    drop = 0
    for lead in range(min(_ECHO_LEAD_WORDS, len(keys)) + 1):
        for start in range(len(committed_keys)):
            size = 0
            while (
                lead + size < len(keys)
                and start + size < len(committed_keys)
                and keys[lead + size] == committed_keys[start + size]
            ):
                size += 1
            at_start = lead == 0 and (size >= 2 or (size and start + size == len(committed_keys)))
            if at_start or (lead and size >= 3):
                drop = max(drop, lead + size)
    return words[drop:]
