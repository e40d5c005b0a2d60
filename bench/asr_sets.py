"""The recordings ``bench/asr.py`` scores: synthetic bilingual sessions, the Croatian parliament
clip, the Albanian clips and splices, and sentences naming members and villages.

Real speech is read from ``../shared/eval/`` (``KUVEND_EVAL_DIR``), never copied; synthetic
sessions are made with espeak-ng into the cache (``bench-asr/``) once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.eval_data import EVAL
from kuvend.synthetic import ScriptedTurn, synthesize_session

CACHE = Path(os.environ.get("KUVEND_CACHE_DIR", "~/.cache/kuvend")).expanduser()
WORK = CACHE / "bench-asr"

VOICE_PAIRS = (("sq+m3", "sr+f3"), ("sq+f2", "sr+m1"), ("sq", "sr"))

# Each dataset is a list of items {path, duration_s, turns: [{start,end,language,text}] | None,
#     language: expected language of the whole clip | None, vocabulary: [...]}.


def synthetic_items() -> list[dict[str, Any]]:
    from kuvend.synthetic import ALBANIAN_SENTENCES, SERBIAN_SENTENCES

    items = []
    for number, (sq_voice, sr_voice) in enumerate(VOICE_PAIRS):
        turns = []
        for turn in range(6):
            index = (turn // 2 + number) % len(ALBANIAN_SENTENCES)
            if turn % 2 == 0:
                turns.append(ScriptedTurn("chair", "sq", ALBANIAN_SENTENCES[index], sq_voice))
            else:
                turns.append(ScriptedTurn("member", "sr", SERBIAN_SENTENCES[index], sr_voice))
        items.append(_session(f"dialogue{number}", turns))
    return items


def _session(name: str, turns: list[ScriptedTurn], **extra: Any) -> dict[str, Any]:
    target = WORK / f"{name}.wav"
    meta = target.with_suffix(".json")
    if not meta.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        session = synthesize_session(turns, target)
        reference = [
            {"start": t.start_s, "end": t.end_s, "language": t.language, "text": t.text}
            for t in session.turns
        ]
        meta.write_text(json.dumps({"duration_s": session.duration_s, "turns": reference}))
    data = json.loads(meta.read_text())
    return {"path": str(target), "language": None, **data, **extra}


def hr_items() -> list[dict[str, Any]]:
    folder = _eval("hr/parlaspeech_tutorial")
    wav = folder / "sabor_sample_5.5-27.6.wav"
    text = (folder / "sabor_sample_5.5-27.6.ref.txt").read_text().strip()
    return [_clip(wav, "sr", text)]


def sq_items() -> list[dict[str, Any]]:
    notebook = _eval("sq/albanian_asr_notebook")
    items = [
        _clip(
            notebook / "report_tv_shtypi_clip.wav",
            "sq",
            (notebook / "report_tv_shtypi_clip.ref.txt").read_text().strip(),
        )
    ]
    items += [_clip(p, "sq", None) for p in sorted(_eval("sq/albanian_asr_splices").glob("*.wav"))]
    return items


def _clip(path: Path, language: str, text: str | None) -> dict[str, Any]:
    import soundfile

    duration = soundfile.info(str(path)).duration
    turns = [{"start": 0.0, "end": duration, "language": language, "text": text}] if text else None
    return {"path": str(path), "duration_s": duration, "language": language, "turns": turns}


MEMBERS = ("Arbën Krasniqi", "Dragana Stojanović", "Valdete Gashi", "Nenad Jovanović")
VILLAGES = ("Ujëmirë", "Bërzanca", "Gotovusha", "Korisha", "Drajçiq", "Graniçan")
DISTRACTORS = ("Besnik Hoxha", "Milica Petrović", "Crnatovë", "Dobravë", "Gulia", "Sredska")


def vocabulary_items() -> list[dict[str, Any]]:
    turns = []
    for number, member in enumerate(MEMBERS):
        village = VILLAGES[number % len(VILLAGES)]
        other = VILLAGES[(number + 3) % len(VILLAGES)]
        turns.append(
            ScriptedTurn(
                "chair",
                "sq",
                f"Fjalën e ka këshilltari {member} nga fshati {village}.",
                "sq+m3",
            )
        )
        turns.append(
            ScriptedTurn(
                "member", "sr", f"Hvala, ja sam {member} i govorim o putu za {other}.", "sr+f3"
            )
        )
    vocabulary = [*MEMBERS, *VILLAGES, *DISTRACTORS]
    return [_session("vocabulary", turns, vocabulary=vocabulary)]


def _eval(relative: str) -> Path:
    path = EVAL / relative
    if not path.exists():
        sys.exit(f"bench/asr.py: evaluation data {path} is absent")
    return path


DATASETS = {
    "synthetic": synthetic_items,
    "hr": hr_items,
    "sq": sq_items,
    "vocabulary": vocabulary_items,
}
