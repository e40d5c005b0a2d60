"""The text rules of the transcriber: guards, sentence segments, script, hints, options."""

from __future__ import annotations

from dataclasses import replace

import pytest

from transcribe import TranscribeOptions
from transcribe.decode import Piece, RawWord
from transcribe.guards import (
    is_loop,
    longest_repeat,
    not_words,
    prompt_leak,
    repeated_runs,
    sounds_silent,
)
from transcribe.quality import text_problem
from transcribe.screening import judged, problem
from transcribe.script import in_script
from transcribe.sentences import sentence_segments
from transcribe.vocabulary import hints

OPTIONS = TranscribeOptions()


def piece(
    text: str,
    start: float = 0.0,
    *,
    language: str = "sr",
    step: float = 0.4,
    avg_logprob: float = -0.3,
    no_speech_prob: float = 0.05,
    p: float = 0.9,
) -> Piece:
    words = tuple(
        RawWord(start + i * step, start + (i + 1) * step - 0.05, f" {token}", p)
        for i, token in enumerate(text.split())
    )
    return Piece(
        start_s=words[0].start_s,
        end_s=words[-1].end_s,
        text=text,
        words=words,
        language=language,
        language_probability=0.9,
        avg_logprob=avg_logprob,
        no_speech_prob=no_speech_prob,
        compression_ratio=1.2,
        temperature=0.0,
    )


def test_a_repetition_loop_is_recognised() -> None:
    looped = piece("hvala vam " * 12)
    assert longest_repeat(looped.text) == 12
    assert is_loop(looped, OPTIONS)


def test_ordinary_repetition_in_speech_is_not_a_loop() -> None:
    assert not is_loop(piece("ne ne ne, to nije tačno, ne slažem se sa tim predlogom"), OPTIONS)
    assert not is_loop(piece("Ju lutem, ju lutem, ju lutem, qetësi në sallë."), OPTIONS)


def test_a_short_phrase_read_four_times_is_a_loop() -> None:
    # Whisper base over AMI tst01 decoded as Albanian: one segment, a phrase four times.
    looped = piece("Tic emotes, tic emotes, tic emotes, tic emotes,", language="sq")
    assert problem(looped, OPTIONS) == (
        "loop",
        "repetition loop: Tic emotes, tic emotes, tic emotes, tic emotes,",
    )


def test_one_sentence_as_piece_after_piece_is_one_loop_to_decode_again() -> None:
    pieces = [
        piece("Mirëdita të gjithëve.", 0.0, language="sq"),
        *(piece("Faleminderit shumë.", 2.0 + i, language="sq") for i in range(4)),
        piece("Kalojmë te pika e dytë.", 7.0, language="sq"),
    ]
    # A zero-length last round, as Whisper writes one.
    pieces[4] = replace(pieces[4], end_s=pieces[4].start_s)

    verdicts = judged(pieces, OPTIONS)

    assert [(p.start_s, p.end_s, rounds, found and found[0]) for p, rounds, found in verdicts] == [
        (0.0, pieces[0].end_s, 1, None),
        (2.0, pieces[4].start_s, 4, "loop"),
        (7.0, pieces[5].end_s, 1, None),
    ]
    assert len(verdicts[1][0].words) == 8  # every round's words, for the reviewer's best effort


def test_a_sentence_said_three_times_in_a_row_stays() -> None:
    roll_call = [piece("Po.", float(i), language="sq") for i in range(3)]
    assert [rounds for _, rounds in repeated_runs(roll_call)] == [1, 1, 1]
    assert all(found is None for _, _, found in judged(roll_call, OPTIONS))


@pytest.mark.parametrize(
    "text",
    [
        "Hvala na gledanju!",
        "Titlovi: Prevod i titlovi by BB",
        "Subtitles by the Amara.org community",
        "Pretplatite se na kanal.",
        "♪ ♪ ♪",
    ],
)
def test_stock_phrases_and_symbols_are_dropped(text: str) -> None:
    assert not_words(piece(text)) is not None


def test_speech_whisper_calls_silence_is_flagged_not_dropped() -> None:
    # The VAD found speech there: Whisper's silence signals only say it could not make it out.
    quiet = piece("Hvala.", avg_logprob=-1.4, no_speech_prob=0.8)
    assert sounds_silent(quiet, OPTIONS) and not_words(quiet) is None
    assert problem(quiet, OPTIONS) == ("unintelligible", "Whisper's silence signals over speech")


def test_real_speech_passes_the_guards() -> None:
    said = piece("Hvala predsedavajući, želim da postavim pitanje o budžetu opštine.")
    assert not_words(said) is None and problem(said, OPTIONS) is None
    assert (
        prompt_leak(said, OPTIONS, "Sednica Skupštine opštine. Nenad Jovanović, Gračanica.") is None
    )


def test_an_echo_of_the_vocabulary_prompt_is_a_leak() -> None:
    prompt = "Sednica Skupštine opštine. Nenad Jovanović, Dragana Stojanović, Gračanica."
    echo = piece("Nenad Jovanović, Dragana Stojanović")
    assert prompt_leak(echo, OPTIONS, prompt) == "echo of the vocabulary prompt"


def test_a_name_from_the_register_heard_without_confidence_is_a_leak() -> None:
    options = TranscribeOptions(vocabulary=("Dragana Stojanović", "Gračanica"))
    prompt = "Sednica Skupštine opštine. Dragana Stojanović, Gračanica."
    said = "Hvala, reč ima Dragana Stojanović iz opštine."
    assert prompt_leak(piece(said, p=0.3), options, prompt) is not None
    assert prompt_leak(piece(said, p=0.9), options, prompt) is None
    assert prompt_leak(piece(said, p=0.3), options, None) is None


def test_a_members_surname_alone_heard_without_confidence_is_a_leak() -> None:
    # With one member enrolled, Whisper base wrote "Marković." over Serbian that named nobody.
    options = TranscribeOptions(vocabulary=("Marko Marković",))
    prompt = "Sednica Skupštine opštine. Marko Marković."
    assert prompt_leak(piece("Marković.", p=0.01), options, prompt) is not None
    assert prompt_leak(piece("Hvala, kolega Marković.", p=0.9), options, prompt) is None
    # A short word of a term (under four letters) alone is no evidence of a leak.
    short = TranscribeOptions(vocabulary=("Ana Kelmendi",))
    assert prompt_leak(piece("Ana", p=0.01), short, "Ana Kelmendi.") is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("TÖMBERURANÖTARÖTÖCOVENDITO þþ ØN", "sq"),
        ("Iqquddandibqqaqaqaq", "sq"),
        ("Kuvendi и komunës miratoi", "sq"),
        ("ne ka dhe ščeka për rrugën", "sq"),
        ("Хвалa predsedavajući", "sr"),  # a Latin "a" inside a Cyrillic word
        ("HVALA PREDSEDAVAJUĆI ŽELIM DA POSTAVIM", "sr"),
    ],
)
def test_text_outside_the_language_is_caught(text: str, language: str) -> None:
    assert text_problem(text, language) is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Faleminderit, fjalën e ka Nenad Jovanović nga Lista Serbe.", "sq"),
        ("Këshilltarët e LDK dhe PDK votuan për buxhetin.", "sq"),
        ("Hvala predsedavajući, želim da postavim pitanje o budžetu.", "sr"),
        ("Хвала, Ђорђе, реч има одборник Çeku.", "sr"),
        ("ne ne ne, to nije tačno", "sr"),
    ],
)
def test_ordinary_text_of_the_language_passes(text: str, language: str) -> None:
    assert text_problem(text, language) is None


def test_segments_end_at_sentence_ends() -> None:
    pieces = [
        piece("Hvala predsedavajući. Želim da postavim", 0.0),
        piece("pitanje o budžetu.", 3.0),
    ]
    texts = [p.text for p in sentence_segments(pieces, OPTIONS)]
    assert texts == ["Hvala predsedavajući.", "Želim da postavim pitanje o budžetu."]


def test_a_language_change_or_a_long_pause_ends_a_segment() -> None:
    pieces = [
        piece("Faleminderit kryetar", 0.0, language="sq"),
        piece("hvala lepo", 1.0, language="sr"),
        piece("i još nešto", 10.0, language="sr"),
    ]
    segments = list(sentence_segments(pieces, OPTIONS))
    assert [(s.language, s.text) for s in segments] == [
        ("sq", "Faleminderit kryetar"),
        ("sr", "hvala lepo"),
        ("sr", "i još nešto"),
    ]


def test_no_segment_grows_past_its_limit() -> None:
    pieces = [piece("reč " * 10, start=i * 4.0) for i in range(10)]
    segments = list(sentence_segments(pieces, OPTIONS))
    assert all(s.end_s - s.start_s <= OPTIONS.max_segment_s for s in segments)
    assert sum(len(s.words) for s in segments) == 100


def test_serbian_script_and_albanian_letters() -> None:
    assert in_script("Хвала, Ђорђе", "sr", "latin") == ("Hvala, Đorđe", "Хвала, Ђорђе")
    assert in_script("Hvala, Đorđe", "sr", "cyrillic") == ("Хвала, Ђорђе", "Hvala, Đorđe")
    assert in_script("Këshilli i çështjes", "sq", "cyrillic") == ("Këshilli i çështjes", None)


def test_vocabulary_goes_to_prompt_or_hotwords() -> None:
    words = ("Nenad Jovanović", "Gračanica")
    prompt, hot = hints(TranscribeOptions(vocabulary=words), "sr")
    assert hot is None and prompt is not None and "Nenad Jovanović, Gračanica" in prompt
    prompt, hot = hints(TranscribeOptions(vocabulary=words, vocabulary_as="hotwords"), "sq")
    assert prompt is None and hot is not None and "Gračanica" in hot
    assert hints(TranscribeOptions(), "sr") == (None, None)


def test_bad_options_name_the_valid_choices() -> None:
    with pytest.raises(ValueError, match="'prompt', 'hotwords' or 'none'"):
        TranscribeOptions(vocabulary_as="both")
    with pytest.raises(ValueError, match="at least one language"):
        TranscribeOptions(languages=())
