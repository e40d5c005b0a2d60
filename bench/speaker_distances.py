"""How far apart the speaker encoders put the same voice and two voices, per kind of recording.

Usage::

    .venv/bin/python bench/speaker_distances.py [--part tune] [--min-s 0,2,3]

Every file of ``--part`` (``bench/diarization_sets.py``) is diarized chunk by chunk with the
default embedded diarizer (d-vector); each chunk-local speaker whose regions are at least
80 % one reference speaker is kept, with its d-vector centroid and a CAM++ embedding of its
regions' audio joined. For every pair of such local speakers of one file it prints, per
corpus (AMI, ParlaSpeech, synthetic) and for pairs whose shorter side spoke at least
``--min-s`` seconds, the range and median of both encoders' cosine distances, same voice and
different voices apart.

This is what linking has to separate with one threshold: where the synthetic sessions'
different voices lie inside the real recordings' same-voice range, no threshold on that
encoder serves both.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout: the project's packages come from its root.
sys.path[0] = str(ROOT)

from bench.diarization import load_diarizers  # noqa: E402
from bench.diarization_sets import (  # noqa: E402
    BenchFile,
    parlaspeech_files,
    real_files,
    synthetic_files,
)
from diarize import DiarizeOptions, Diarizer  # noqa: E402
from diarize.audio import concatenated  # noqa: E402
from diarize.encoders import SpeakerEncoder, get_encoder  # noqa: E402
from diarize.linking import local_speakers  # noqa: E402
from kuvend.config import get_settings  # noqa: E402
from models import resolve_encoder_model  # noqa: E402
from tests.diarize.sessions import cut_into_chunks  # noqa: E402

#: Share of a local speaker's speech one reference speaker must hold for it to be kept.
PURITY = 0.8


@dataclass(frozen=True, slots=True)
class Pair:
    """Two local speakers of one file: same reference voice or not, both encoders' distances."""

    corpus: str
    same: bool
    dvector: float
    campplus: float
    shorter_s: float


def _owner(file: BenchFile, regions: list[tuple[float, float]]) -> str | None:
    """The reference speaker holding ``PURITY`` of ``regions``, if one does."""
    held: dict[str, float] = {}
    for start, end in regions:
        for ref_start, ref_end, speaker in file.reference:
            overlap = min(end, ref_end) - max(start, ref_start)
            if overlap > 0:
                held[speaker] = held.get(speaker, 0.0) + overlap
    total = sum(held.values())
    if not total:
        return None
    speaker = max(held, key=lambda name: held[name])
    return speaker if held[speaker] >= PURITY * total else None


def file_pairs(
    file: BenchFile, work: Path, diarizer: Diarizer, campplus: SpeakerEncoder
) -> list[Pair]:
    """Every pair of ``file``'s kept local speakers."""
    options = DiarizeOptions.for_encoder(diarizer.voice_space)
    audio, _ = soundfile.read(str(file.path), dtype="float32")
    chunks = cut_into_chunks(file.path, 30.0, work / "chunks" / file.path.stem)
    found = [diarizer.diarize_chunk(chunk, options) for chunk in chunks]
    kept = []
    for local in local_speakers(found):
        spans = [(region.start_s, region.end_s) for region in local.regions]
        owner = _owner(file, spans)
        if owner is None:
            continue
        speech = concatenated(audio, spans)
        kept.append((owner, local.centroid, campplus.embed(speech), local.seconds))
    corpus = file.name.split("/")[0]
    return [
        Pair(
            corpus,
            a[0] == b[0],
            1.0 - float(a[1] @ b[1]),
            1.0 - float(a[2] @ b[2]),
            min(a[3], b[3]),
        )
        for a, b in itertools.combinations(kept, 2)
    ]


def _summary(values: list[float]) -> str:
    if not values:
        return "         -         "
    return f"{min(values):.2f}-{max(values):.2f} (median {float(np.median(values)):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="tune", help="tune or report")
    parser.add_argument("--min-s", default="0,2,3", help="shorter side's seconds, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuvend-bench-") as folder:
        work = Path(folder)
        files = real_files() + parlaspeech_files(work) + synthetic_files(work)
        files = [file for file in files if file.part == args.part]
        [(diarizer, _)] = load_diarizers(["embedded"], ["dvector"], work).values()
        model = resolve_encoder_model("embedded", "campplus", get_settings().cache_dir)
        campplus = get_encoder("campplus", model=model)
        pairs = [pair for file in files for pair in file_pairs(file, work, diarizer, campplus)]
    print(f"local speakers of the '{args.part}' files, cosine distance; min-s: shorter side")
    print(f"{'corpus':10s} {'min-s':>5s} {'pair':9s} {'n':>4s}  {'d-vector':26s} {'CAM++':26s}")
    for least in (float(value) for value in args.min_s.split(",")):
        for corpus in dict.fromkeys(pair.corpus for pair in pairs):
            for same in (True, False):
                chosen = [
                    pair
                    for pair in pairs
                    if pair.corpus == corpus and pair.same == same and pair.shorter_s >= least
                ]
                print(
                    f"{corpus:10s} {least:5.1f} {'same' if same else 'different':9s} "
                    f"{len(chosen):4d}  {_summary([p.dvector for p in chosen]):26s} "
                    f"{_summary([p.campplus for p in chosen]):26s}"
                )


if __name__ == "__main__":
    main()
