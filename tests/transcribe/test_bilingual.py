"""A session that switches language every turn is transcribed in the right language every turn,
with Serbian in the assembly's script and words timed on the session clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuvend.domain import AudioChunk, Segment
from kuvend.text import has_cyrillic, has_latin
from tests.utils.speech import SyntheticSession, bilingual_dialogue, synthesize_session
from transcribe import TranscribeOptions, WhisperEngine, transcribe_chunk

pytestmark = pytest.mark.slow


def _whole(session: SyntheticSession) -> AudioChunk:
    return AudioChunk(index=0, path=session.path, offset_s=0.0, duration_s=session.duration_s)


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> SyntheticSession:
    """Six turns, Albanian and Serbian alternating: five language switches."""
    folder = tmp_path_factory.mktemp("dialogue")
    return synthesize_session(bilingual_dialogue(6), folder / "session.wav")


@pytest.fixture(scope="module")
def latin_segments(engine: WhisperEngine, dialogue: SyntheticSession) -> list[Segment]:
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="latin")
    return list(transcribe_chunk(engine, _whole(dialogue), options))


def test_every_turn_is_transcribed_in_the_language_spoken(
    dialogue: SyntheticSession, latin_segments: list[Segment]
) -> None:
    for turn in dialogue.turns:
        inside = [
            s for s in latin_segments if turn.start_s <= (s.start_s + s.end_s) / 2 <= turn.end_s
        ]
        assert inside, f"nothing transcribed for the turn at {turn.start_s:.1f} s"
        assert {s.language for s in inside} == {turn.language}, turn.text
        assert all(0.5 < s.language_probability <= 1.0 for s in inside)


def test_serbian_is_in_latin_with_cyrillic_kept_for_search(latin_segments: list[Segment]) -> None:
    serbian = [s for s in latin_segments if s.language == "sr"]
    assert serbian
    # Flagged segments too: their best-effort words follow the assembly's script.
    for segment in serbian:
        assert not has_cyrillic(segment.text), segment.text
        assert not any(has_cyrillic(word.text) for word in segment.words)
        assert segment.text_other_script is not None
        assert has_cyrillic(segment.text_other_script)
        assert not has_latin(segment.text_other_script)
    for segment in latin_segments:
        if segment.language == "sq":
            assert segment.text_other_script is None


def test_words_are_timed_in_order_on_the_session_clock(
    dialogue: SyntheticSession, latin_segments: list[Segment]
) -> None:
    previous_end = 0.0
    for segment in latin_segments:
        assert segment.words, segment.text
        assert previous_end <= segment.start_s < segment.end_s <= dialogue.duration_s
        if segment.flag is None:
            assert segment.words[0].start_s == segment.start_s
            assert segment.words[-1].end_s == segment.end_s
        else:  # the stretch flagged may run past the best-effort words it keeps
            assert segment.start_s <= segment.words[0].start_s
            assert segment.words[-1].end_s <= segment.end_s
        for first, second in zip(segment.words, segment.words[1:], strict=False):
            assert first.start_s <= first.end_s <= second.start_s + 0.01
        # The words carry the text's characters in order; the spacing is the tokenizer's
        # ("ODO-DO" is the words "ODO" and "-DO", the hyphen's token starting the second).
        spelled = "".join(word.text for word in segment.words)
        assert "".join(spelled.split()) == "".join(segment.text.split())
        previous_end = segment.end_s


def test_a_cyrillic_assembly_gets_no_latin_serbian(engine: WhisperEngine, tmp_path: Path) -> None:
    turns = bilingual_dialogue(2)[::-1]  # the Serbian councillor first, then the chair
    session = synthesize_session(turns, tmp_path / "session.wav")
    options = TranscribeOptions.for_assembly(["sq", "sr"], serbian_script="cyrillic")

    segments = list(transcribe_chunk(engine, _whole(session), options))

    serbian = [s for s in segments if s.language == "sr"]
    albanian = [s for s in segments if s.language == "sq"]
    assert serbian and albanian
    for segment in serbian:
        assert not has_latin(segment.text), segment.text
        assert segment.text_other_script is not None and not has_cyrillic(segment.text_other_script)
    for segment in albanian:
        assert not has_cyrillic(segment.text), segment.text
