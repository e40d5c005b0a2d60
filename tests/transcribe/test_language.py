"""Language per region, only among the assembly's languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuvend.domain import AudioChunk
from tests.transcribe.conftest import eval_path, report_half
from transcribe import TranscribeOptions, WhisperEngine, choose_language
from transcribe.audio import read_samples
from transcribe.language import detect_language
from transcribe.regions import speech_regions


def test_croatian_and_bosnian_count_toward_serbian() -> None:
    # Whisper's usual verdict on Serbian speech: Croatian first, Serbian far behind.
    probabilities = {"hr": 0.35, "bs": 0.12, "sr": 0.13, "sl": 0.1, "sq": 0.01, "en": 0.2}
    choice = choose_language(probabilities, ["sq", "sr"])
    assert choice.language == "sr"
    assert set(choice.shares) == {"sq", "sr"}
    assert choice.probability == pytest.approx(choice.shares["sr"])
    assert sum(choice.shares.values()) == pytest.approx(1.0)


def test_only_allowed_languages_are_ever_chosen() -> None:
    # Whisper is sure it hears Hungarian (what it says for espeak-ng Albanian).
    choice = choose_language({"hu": 0.9, "sq": 0.01, "sr": 0.001}, ["sq", "sr"])
    assert choice.language == "sq"


def test_serbian_alone_takes_its_group() -> None:
    assert choose_language({"hr": 0.6, "it": 0.3}, ["sr"]).language == "sr"


def test_options_fold_croatian_and_bosnian_into_serbian() -> None:
    options = TranscribeOptions.for_assembly(["sq", "hr", "bs", "sr"])
    assert options.languages == ("sq", "sr")


def region_languages(engine: WhisperEngine, clip: Path) -> list[str]:
    """The language chosen for each speech region of ``clip``, as a multilingual assembly's
    transcriber chooses it (VAD regions, each judged apart)."""
    samples = read_samples(AudioChunk(0, clip, 0.0, 0.0))
    regions = speech_regions(samples, TranscribeOptions())
    return [
        detect_language(
            engine, samples[int(r.start_s * 16_000) : int(r.end_s * 16_000)], ("sq", "sr")
        ).language
        for r in regions
        if r.duration_s >= 0.5
    ]


def test_every_real_albanian_clip_is_identified_as_albanian(engine: WhisperEngine) -> None:
    # Issue 2, must show 3: unrestricted Whisper base says sq for only 9 of the 20 splices.
    clips = report_half("sq/albanian_asr_splices")
    assert len(clips) == 10
    verdicts = {clip.name: region_languages(engine, clip) for clip in clips}
    wrong = {clip: found for clip, found in verdicts.items() if set(found) != {"sq"}}
    assert not wrong, wrong


def test_the_croatian_parliament_is_heard_as_serbian_group(engine: WhisperEngine) -> None:
    clip = eval_path("hr/parlaspeech_tutorial/sabor_sample_5.5-27.6.wav")
    samples = read_samples(AudioChunk(0, Path(clip), 0.0, 0.0))
    assert detect_language(engine, samples[: 16_000 * 10], ("sq", "sr")).language == "sr"
