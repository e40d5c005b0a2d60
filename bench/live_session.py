"""The recorded session ``bench/live.py`` plays: real assembly speech in both languages.

Clips of real speech from ``../shared/eval/`` (``KUVEND_EVAL_DIR``; read from there, never
copied into the project) joined with short pauses, as speakers take turns in a sitting:
Croatian parliament speech with its official transcript (``hr/parlaspeech_hr_2021``, the
Serbian-Croatian-Bosnian group an assembly's Serbian speakers belong to), Serbian National
Assembly speech without transcripts (``sr/parlaspeech_rs_lid``) and Albanian TV speech without
transcripts (``sq/albanian_asr_splices``). The first 60 s are one round of turns in both
languages; a second round follows, and for runs longer than both (127 s) the turns come again.
"""

from __future__ import annotations

import itertools
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.eval_data import EVAL

RATE_HZ = 16_000
#: Silence before the first turn and between two turns (a change of speaker).
PAUSE_S = 0.6

_HR = "hr/parlaspeech_hr_2021/hr_parlaspeech_2021-12-06-0_"
_SR = "sr/parlaspeech_rs_lid/sr_parlaspeech_"
_SQ = "sq/albanian_asr_splices/Vetem1minuteNgjarjaqedojundryshojejetenMosehumbisnimp4_"
#: The turns, in order (paths under ``EVAL`` without ``.wav``); 59 s, then 68 s more.
TURNS = (
    _HR + "u77655_0-152",
    _SQ + "351.650-358.600",
    _SQ + "364.450-369.250",
    _SR + "2013-07-09-0_u20707_502-642",
    _HR + "u77661_25-241",
    _SQ + "250.850-255.250",
    _HR + "u77998_25-181",
    _SQ + "158.100-161.350",
    _SQ + "387.900-391.650",
    _HR + "u78120_139-294",
    _SR + "2013-09-02-0_u23057_188-343",
    _SQ + "330.800-334.450",
    _SQ + "431.750-435.150",
    _HR + "u77846_25-117",
    _HR + "u78206_442-560",
    _SR + "2015-04-23-0_u26652_507-676",
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One clip in the session, on the session clock (seconds)."""

    start_s: float
    end_s: float
    language: str
    """``sr`` for the Serbian-Croatian-Bosnian group, ``sq`` for Albanian."""
    reference: str | None
    """The official transcript, where the source has one."""


def build(target: Path, seconds: float) -> list[Turn]:
    """Write the session's first ``seconds`` (whole turns, the last one ending at most a second
    past ``seconds``) to ``target`` (16 kHz mono WAV) and return its turns. Exits when the data
    is absent."""
    pause = np.zeros(round(PAUSE_S * RATE_HZ), np.float32)
    parts, at = [pause], PAUSE_S
    turns: list[Turn] = []
    for name in itertools.cycle(TURNS):
        path = EVAL / f"{name}.wav"
        if not path.exists():
            raise SystemExit(f"bench/live.py: evaluation data {path} is absent (KUVEND_EVAL_DIR)")
        samples = _read(path)
        end = at + len(samples) / RATE_HZ
        if end > seconds + 1.0 and turns:
            break
        transcript = path.with_suffix(".txt")
        reference = transcript.read_text().strip() if transcript.exists() else None
        turns.append(Turn(at, end, "sq" if name.startswith("sq/") else "sr", reference))
        parts += [samples, pause]
        at = end + PAUSE_S
    pcm = (np.clip(np.concatenate(parts), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(pcm.tobytes())
    return turns


def _read(path: Path) -> np.ndarray:
    """A clip as 16 kHz mono float samples (the Albanian clips are 44.1 kHz stereo)."""
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE_HZ),
         "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.float32)
