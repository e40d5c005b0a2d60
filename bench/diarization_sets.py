"""The recordings ``bench/diarization.py`` scores, each with its reference and its part.

Parts: thresholds are chosen on the ``tune`` part only (AMI dev00/dev01, two ParlaSpeech
turn-taking sessions of 3 and 5 people and the synthetic 3- to 6-voice ``-tune`` sessions, whose
clips and voices appear in no report file) and reported on the ``report`` part (AMI
tst00/tst01, pyannote's sample, the other ParlaSpeech sessions and the synthetic 5- and 6-voice
sessions).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from bench.eval_data import EVAL
from kuvend.synthetic import (
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ScriptedTurn,
    synthesize_session,
)

RATE = 16_000

Turns = tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class BenchFile:
    """Audio with its reference turns (start, end, speaker), scored region (UEM) and part."""

    name: str
    path: Path
    reference: Turns
    uem: tuple[float, float]
    part: str = "report"


def rttm_turns(path: Path, uri: str) -> Turns:
    """The turns of ``uri`` in an RTTM file."""
    turns = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0] == "SPEAKER" and fields[1] == uri:
            start, duration = float(fields[3]), float(fields[4])
            turns.append((start, start + duration, fields[7]))
    return tuple(turns)


def uem_span(path: Path, uri: str) -> tuple[float, float] | None:
    """The scored span of ``uri`` in a UEM file, or None."""
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == uri:
            return float(fields[2]), float(fields[3])
    return None


def real_files() -> list[BenchFile]:
    """The AMI excerpts (dev: tune, tst: report) and pyannote's sample (report)."""
    files = []
    ami = EVAL / "diarization" / "pyannote_ami_debug"
    for subset, part in (("development", "tune"), ("test", "report")):
        rttm, uem = ami / f"debug.{subset}.rttm", ami / f"debug.{subset}.uem"
        if not rttm.exists():
            continue
        for uri in (ami / f"debug.{subset}.lst").read_text().split():
            duration = soundfile.info(str(ami / f"{uri}.wav")).duration
            span = uem_span(uem, uri) or (0.0, duration)
            files.append(
                BenchFile(f"ami/{uri}", ami / f"{uri}.wav", rttm_turns(rttm, uri), span, part)
            )
    sample = EVAL / "diarization" / "pyannote_sample"
    if (sample / "sample.wav").exists():
        duration = soundfile.info(str(sample / "sample.wav")).duration
        reference = rttm_turns(sample / "sample.rttm", "sample")
        files.append(
            BenchFile("pyannote/sample", sample / "sample.wav", reference, (0.0, duration))
        )
    return files


#: Turn-taking sessions from real single-speaker clips: one clip per person, each cut in two
#: at a pause and dealt out A B C … A B C …. One clip comes from the Croatian Sabor (2021),
#: the others from the National Assembly of Serbia in different years (2013-2018): the
#: dataset gives no speaker ids, so different years stand for different MPs (an assumption).
PARLASPEECH: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("parla/2-people", ("hr:u78044_1174-1367", "sr:2014-09-03-0_u8176_5486-5731"), "report"),
    (
        "parla/3-people",
        (
            "hr:u78016_324-552",
            "sr:2016-02-10-0_u49179_3709-3946",
            "sr:2018-05-28-0_u37333_1487-1716",
        ),
        "report",
    ),
    (
        "parla/4-people",
        (
            "hr:u77990_25-272",
            "sr:2013-12-09-0_u29278_8398-8550",
            "sr:2015-07-13-0_u31681_1991-2267",
            "sr:2017-04-20-0_u14572_212-433",
        ),
        "report",
    ),
    (
        "parla/3-people-tune",
        (
            "hr:u77655_0-152",
            "sr:2013-07-09-0_u20707_502-642",
            "sr:2016-08-11-0_u1361_863-1173",
        ),
        "tune",
    ),
    (
        "parla/5-people-tune",
        (
            "hr:u78120_139-294",
            "sr:2013-10-29-0_u25158_2696-2854",
            "sr:2014-11-07-0_u13495_357-498",
            "sr:2015-11-18-0_u39561_3521-3720",
            "sr:2017-10-09-0_u22105_420-635",
        ),
        "tune",
    ),
)


def clip_path(key: str) -> Path:
    """``hr:<utterance>`` or ``sr:<date-utterance>`` as a path in ``../shared/eval``."""
    corpus, name = key.split(":", 1)
    if corpus == "hr":
        return EVAL / "hr" / "parlaspeech_hr_2021" / f"hr_parlaspeech_2021-12-06-0_{name}.wav"
    return EVAL / "sr" / "parlaspeech_rs_lid" / f"sr_parlaspeech_{name}.wav"


def quietest_cut(samples: np.ndarray, near: int, within: int) -> int:
    """The sample index of the quietest 50 ms frame within ``within`` samples of ``near``."""
    frame = RATE // 20
    first, last = max(near - within, frame), min(near + within, len(samples) - frame)
    if last <= first:
        return near
    starts = np.arange(first, last, frame // 2)
    energy = [float(np.mean(samples[s : s + frame] ** 2)) for s in starts]
    return int(starts[int(np.argmin(energy))] + frame // 2)


def turn_taking_session(
    name: str,
    clips: Sequence[tuple[str, Path]],
    target: Path,
    *,
    pieces: int = 2,
    gap_s: float = 0.5,
    part: str = "report",
) -> BenchFile:
    """A session in which the people of ``clips`` ((speaker, 16 kHz mono WAV)) take turns.

    Each clip is cut into ``pieces`` at its quietest moments near equal shares; the pieces are
    dealt round-robin (A B C A B C) with ``gap_s`` of silence between turns. The reference
    is each piece's span: a real recording's pauses inside a turn stay inside it, as a human
    annotator's turns would have them.
    """
    parts: list[list[np.ndarray]] = []
    for _, path in clips:
        samples, rate = soundfile.read(str(path), dtype="float32")
        if rate != RATE or samples.ndim != 1:
            raise ValueError(f"{path} is not 16 kHz mono")
        cuts = [
            quietest_cut(samples, len(samples) * k // pieces, RATE * 2) for k in range(1, pieces)
        ]
        bounds = [0, *cuts, len(samples)]
        parts.append([samples[a:b] for a, b in itertools.pairwise(bounds)])
    gap = np.zeros(int(gap_s * RATE), dtype=np.float32)
    audio: list[np.ndarray] = []
    reference: list[tuple[float, float, str]] = []
    cursor = 0
    for round_ in range(pieces):
        for (speaker, _), speaker_parts in zip(clips, parts, strict=True):
            piece = speaker_parts[round_]
            reference.append((cursor / RATE, (cursor + len(piece)) / RATE, speaker))
            audio += [piece, gap]
            cursor += len(piece) + len(gap)
    joined = np.concatenate(audio)
    soundfile.write(str(target), joined, RATE, subtype="PCM_16")
    return BenchFile(name, target, tuple(reference), (0.0, len(joined) / RATE), part)


def parlaspeech_files(folder: Path) -> list[BenchFile]:
    """The ``PARLASPEECH`` sessions, built in ``folder`` (none where the clips are absent)."""
    files = []
    for name, keys, part in PARLASPEECH:
        clips = [(key, clip_path(key)) for key in keys]
        if all(path.exists() for _, path in clips):
            target = folder / f"{name.replace('/', '-')}.wav"
            files.append(turn_taking_session(name, clips, target, part=part))
    return files


#: Synthetic sessions: (name, voices, turns as (voice index, sentence count), part).
#: The chair (voice 0) opens with a long turn and comes back between short interventions.
SYNTHETIC = (
    (
        "synthetic/3-voices",
        ("sq+m3", "sr+f3", "sr+Andy"),
        ((0, 4), (1, 1), (0, 1), (2, 2), (1, 1), (0, 2)),
        "tune",
    ),
    (
        "synthetic/4-voices",
        ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia"),
        ((0, 3), (1, 1), (2, 1), (0, 1), (3, 2), (1, 1), (0, 1), (2, 1), (3, 1), (0, 2)),
        "tune",
    ),
    (
        "synthetic/5-voices",
        ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia", "sq+Storm"),
        ((0, 3), (1, 1), (4, 1), (2, 1), (0, 1), (3, 1), (4, 2), (1, 1), (0, 1), (2, 1), (3, 1)),
        "report",
    ),
    (
        "synthetic/6-voices",
        ("sq+m3", "sr+f3", "sr+Andy", "sq+Alicia", "sq+Storm", "sr+m1"),
        ((0, 3), (1, 1), (5, 2), (2, 1), (4, 1), (3, 2), (0, 1), (5, 1), (1, 1), (2, 1), (4, 1)),
        "report",
    ),
)


#: Tuning twins of the 5- and 6-voice sessions: the same scripts, voices no report file uses.
SYNTHETIC += tuple(
    (
        f"{name}-tune",
        ("sq+adam", "sr+Annie", "sq+boris", "sr+linda", "sq+max", "sr+Michael")[: len(voices)],
        script,
        "tune",
    )
    for name, voices, script, part in SYNTHETIC
    if part == "report"
)


def synthetic_files(folder: Path) -> list[BenchFile]:
    """The ``SYNTHETIC`` sessions, spoken by espeak-ng into ``folder``."""
    files = []
    for name, voices, script, part in SYNTHETIC:
        turns = []
        used = [0] * len(voices)
        for voice_index, sentence_count in script:
            voice = voices[voice_index]
            language = voice.split("+")[0]
            sentences = ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES
            for _ in range(sentence_count):
                text = sentences[used[voice_index] % len(sentences)]
                used[voice_index] += 1
                turns.append(ScriptedTurn(f"{voice_index}", language, text, voice))
        session = synthesize_session(turns, folder / f"{name.split('/')[1]}.wav", pause_s=0.6)
        reference = tuple((turn.start_s, turn.end_s, turn.speaker) for turn in session.turns)
        files.append(BenchFile(name, session.path, reference, (0.0, session.duration_s), part))
    return files
