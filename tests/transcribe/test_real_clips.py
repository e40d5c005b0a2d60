"""Real recordings from ../shared/eval: the Albanian TV clip, the Croatian parliament, and
Serbian assembly and Albanian speech in the half that the language weights were not fitted on."""

from __future__ import annotations

from pathlib import Path

import soundfile

from kuvend.domain import AudioChunk
from kuvend.text import has_cyrillic, has_latin
from tests.transcribe.conftest import eval_path, report_half
from transcribe import TranscribeOptions, WhisperEngine, transcribe_chunk


def _chunk(relative: str) -> AudioChunk:
    return _whole(eval_path(relative))


def _whole(path: Path) -> AudioChunk:
    return AudioChunk(0, path, 0.0, soundfile.info(str(path)).duration)


def test_the_two_second_albanian_clip_is_albanian_in_latin_script(engine: WhisperEngine) -> None:
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="cyrillic")
    segments = list(
        transcribe_chunk(
            engine, _chunk("sq/albanian_asr_notebook/report_tv_shtypi_clip.wav"), options
        )
    )
    assert segments
    assert {s.language for s in segments} == {"sq"}
    text = " ".join(s.text for s in segments)
    assert has_latin(text) and not has_cyrillic(text)


def test_the_croatian_parliament_is_transcribed_as_serbian_in_latin(engine: WhisperEngine) -> None:
    folder = "hr/parlaspeech_tutorial/"
    reference = set(eval_path(folder + "sabor_sample_5.5-27.6.ref.txt").read_text().split())
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="latin")

    segments = list(transcribe_chunk(engine, _chunk(folder + "sabor_sample_5.5-27.6.wav"), options))

    assert segments and {s.language for s in segments} == {"sr"}
    words = {w.text.strip(".,!?").lower() for s in segments for w in s.words}
    assert not any(has_cyrillic(s.text) for s in segments)
    # Whisper base gets about a third of these words exactly right (bench/asr.py hr: WER ≈ 0.6).
    assert len(words & reference) >= 6, sorted(words & reference)


def test_real_serbian_assembly_speech_is_serbian_in_the_assemblys_script(
    engine: WhisperEngine,
) -> None:
    # Issue 13: every segment sr, in the assembly's script, also short ones ("Hvala").
    # The first three clips of the half bench/fit_language.py does not fit on (39 s).
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="cyrillic")
    for clip in report_half("sr/parlaspeech_rs_lid")[:3]:
        segments = list(transcribe_chunk(engine, _whole(clip), options))
        assert segments, clip.name
        assert {s.language for s in segments} == {"sr"}, (clip.name, segments)
        text = " ".join(s.text for s in segments if s.flag is None)
        assert has_cyrillic(text) and not has_latin(text), (clip.name, text)


def test_real_albanian_speech_is_albanian(engine: WhisperEngine) -> None:
    # The first four Albanian clips of the half the weights were not fitted on (12 s).
    options = TranscribeOptions.for_assembly(["sq", "sr"])
    for clip in report_half("sq/albanian_asr_splices")[:4]:
        segments = list(transcribe_chunk(engine, _whole(clip), options))
        assert segments, clip.name
        assert {s.language for s in segments} == {"sq"}, (clip.name, segments)
        assert not has_cyrillic(" ".join(s.text for s in segments)), clip.name


def test_a_word_timed_at_no_length_is_marked_for_the_reviewer(engine: WhisperEngine) -> None:
    # Two people greet each other once each; Whisper base hears "Hello." four times, two of
    # them with no length at all.
    chunk = _chunk("diarization/pyannote_sample/sample.wav")
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="latin")
    words = [word for segment in transcribe_chunk(engine, chunk, options) for word in segment.words]
    unheard = [word for word in words if word.end_s <= word.start_s]
    assert unheard, "the sample no longer makes the model invent a word; choose another clip"
    assert all(word.low_confidence for word in unheard)
