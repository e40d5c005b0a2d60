"""Synthetic assembly sessions: espeak-ng speaks scripted turns, sox joins them.

Used by ``kuvend demo``, the tests and the benchmarks. The reference (who spoke when, in which
language, what was said) is exact, because the script is ours. espeak-ng's Albanian and Serbian
are robotic: tests assert only what the models can do with them (language, speaker, timing),
and benchmarks report accuracy.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kuvend.domain import SAMPLE_RATE_HZ
from kuvend.errors import KuvendError

ALBANIAN_SENTENCES = (
    "Mirëdita të nderuar anëtarë të kuvendit, po e hapim seancën e sotme.",
    "Rendi i ditës ka tri pika, e para është buxheti i komunës për vitin e ardhshëm.",
    "Kryetari i komunës do të paraqesë raportin për investimet kapitale.",
    "Faleminderit, tani fjalën e ka këshilltari nga partia tjetër.",
    "Propozimi për rrugën në fshat u miratua me shumicë votash.",
    "Seanca e ardhshme do të mbahet muajin tjetër në sallën e kuvendit.",
)

SERBIAN_SENTENCES = (
    "Hvala predsedavajući, želim da postavim pitanje o budžetu opštine.",
    "Srpska zajednica u ovoj opštini traži bolje puteve i više škola.",
    "Predlažem da se odluka o vodovodu odloži do sledeće sednice.",
    "Mi podržavamo ovaj predlog ako se uključe sva sela u opštini.",
    "Građani su nezadovoljni radom komunalnog preduzeća ove godine.",
    "Zahvaljujem se svim odbornicima na saradnji i strpljenju.",
)


@dataclass(frozen=True)
class ScriptedTurn:
    """One turn of the script: who speaks (espeak-ng voice), in which language, what."""

    speaker: str
    language: str
    text: str
    voice: str


@dataclass(frozen=True)
class ReferenceTurn:
    """A turn as it lies in the synthesised file, on the session clock."""

    speaker: str
    language: str
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SyntheticSession:
    """A synthesised session file and its exact reference."""

    path: Path
    turns: tuple[ReferenceTurn, ...]
    duration_s: float


def require_tools() -> None:
    """Fail with the missing tool's name (the README's set-up installs them)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise KuvendError(f"{tool} is not installed; run scripts/install (see the README)")


@lru_cache(maxsize=1)
def voice_variants() -> frozenset[str]:
    """The file names of espeak-ng's voice variants (what may follow ``+`` in a voice)."""
    listed = subprocess.run(
        ["espeak-ng", "--voices=variant"], check=False, capture_output=True, text=True
    )
    if listed.returncode != 0:
        raise KuvendError(f"espeak-ng cannot list its voices: {listed.stderr.strip()}")
    listing = listed.stdout
    return frozenset(
        field.removeprefix("!v/")
        for line in listing.splitlines()[1:]
        for field in line.split()
        if field.startswith("!v/")
    )


def speak(text: str, voice: str, target: Path, *, speed_wpm: int = 150) -> float:
    """Speak ``text`` into a 16 kHz mono WAV at ``target``; returns its duration in seconds.

    sox runs with ``-D`` (no dither): the same script always gives the same samples, so two runs
    of a test or a benchmark decode the same audio. ``KuvendError`` for a variant espeak-ng
    does not have: it would silently speak with the language's default voice instead, and two
    "different" voices would be one; ``KuvendError`` with espeak-ng's words for any other
    voice it cannot speak with.
    """
    require_tools()
    _, _, variant = voice.partition("+")
    if variant and variant not in voice_variants():
        raise KuvendError(
            f"espeak-ng has no voice variant {variant!r} (names are case-sensitive: "
            "espeak-ng --voices=variant lists them)"
        )
    raw = target.with_suffix(".raw.wav")
    spoken = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(raw), text],
        check=False,
        capture_output=True,
        text=True,
    )
    if spoken.returncode != 0:
        said = spoken.stderr.strip() or spoken.stdout.strip() or f"exit {spoken.returncode}"
        raise KuvendError(f"espeak-ng cannot speak with voice {voice!r}: {said}")
    subprocess.run(
        ["sox", "-D", str(raw), "-r", str(SAMPLE_RATE_HZ), "-c", "1", "-b", "16", str(target)],
        check=True,
        capture_output=True,
    )
    raw.unlink()
    return wav_duration(target)


def silence(duration_s: float, target: Path) -> None:
    """A WAV of digital silence."""
    subprocess.run(
        [
            "sox",
            "-D",
            "-n",
            "-r",
            str(SAMPLE_RATE_HZ),
            "-c",
            "1",
            "-b",
            "16",
            str(target),
            "trim",
            "0",
            f"{duration_s:.3f}",
        ],
        check=True,
        capture_output=True,
    )


def wav_duration(path: Path) -> float:
    """Duration of a PCM WAV file in seconds."""
    with wave.open(str(path)) as handle:
        return float(handle.getnframes()) / float(handle.getframerate())


def synthesize_session(
    turns: Sequence[ScriptedTurn],
    target: Path,
    *,
    pause_s: float = 1.0,
    lead_s: float = 0.5,
) -> SyntheticSession:
    """Speak every turn, with ``pause_s`` of silence between turns, into one WAV at ``target``."""
    work = target.parent / f".{target.stem}-parts"
    work.mkdir(parents=True, exist_ok=True)
    pieces: list[Path] = []
    reference: list[ReferenceTurn] = []
    clock = 0.0
    gap = work / "pause.wav"
    silence(pause_s, gap)
    lead = work / "lead.wav"
    silence(lead_s, lead)
    pieces.append(lead)
    clock += lead_s
    for number, turn in enumerate(turns):
        part = work / f"turn{number:03d}.wav"
        duration = speak(turn.text, turn.voice, part)
        reference.append(
            ReferenceTurn(turn.speaker, turn.language, turn.text, clock, clock + duration)
        )
        pieces += [part, gap]
        clock += duration + pause_s
    subprocess.run(["sox", "-D", *map(str, pieces), str(target)], check=True, capture_output=True)
    shutil.rmtree(work)
    return SyntheticSession(target, tuple(reference), wav_duration(target))


def bilingual_dialogue(turn_count: int = 4) -> list[ScriptedTurn]:
    """An Albanian chair (voice sq+m3) and a Serbian councillor (voice sr+f3), alternating."""
    turns = []
    for number in range(turn_count):
        if number % 2 == 0:
            text = ALBANIAN_SENTENCES[(number // 2) % len(ALBANIAN_SENTENCES)]
            turns.append(ScriptedTurn("chair", "sq", text, "sq+m3"))
        else:
            text = SERBIAN_SENTENCES[(number // 2) % len(SERBIAN_SENTENCES)]
            turns.append(ScriptedTurn("councillor", "sr", text, "sr+f3"))
    return turns
