"""Silence and music give no text: the minutes never hold words nobody said."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kuvend.domain import AudioChunk
from tests.utils.speech import silence
from transcribe import TranscribeOptions, WhisperEngine, transcribe_chunk


def _chunk(path: Path, duration_s: float) -> AudioChunk:
    return AudioChunk(index=0, path=path, offset_s=0.0, duration_s=duration_s)


def test_pure_silence_gives_no_segments(engine: WhisperEngine, tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    silence(30.0, path)
    assert list(transcribe_chunk(engine, _chunk(path, 30.0), TranscribeOptions())) == []


def test_a_twenty_second_music_like_tone_gives_no_segments(
    engine: WhisperEngine, tmp_path: Path
) -> None:
    # A major chord with a 5 Hz tremolo, then a plucked melody: tonal, rhythmic, not speech.
    chord, melody, both = tmp_path / "chord.wav", tmp_path / "melody.wav", tmp_path / "music.wav"
    sox = ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16"]
    chord_args = ["synth", "10", "sine", "220", "sine", "277", "sine", "330"]
    subprocess.run(
        [*sox, str(chord), *chord_args, "remix", "-", "tremolo", "5", "60", "gain", "-6"],
        check=True,
    )
    notes = ["C4", "E4", "G4", "C5"]
    melody_args: list[str] = []
    for number, note in enumerate(notes):
        melody_args += ["synth", "2.5", "pluck", note] + ([":"] if number < len(notes) - 1 else [])
    subprocess.run([*sox, str(melody), *melody_args], check=True)
    subprocess.run(["sox", str(chord), str(melody), str(both)], check=True)

    segments = list(transcribe_chunk(engine, _chunk(both, 20.0), TranscribeOptions()))

    assert segments == []
