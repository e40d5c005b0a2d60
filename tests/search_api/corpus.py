"""A search corpus of minutes built from real text in ``../shared/eval/text/``.

Four sessions, each a ``Minutes`` document as the pipeline would produce it:

* ``prishtine`` 2023-05-10, published: Albanian sentences from Kosovo court rulings, three
  members, two agenda items;
* ``prishtine`` 2024-02-01, **draft**: other Albanian sentences (must stay invisible to the
  public and to other assemblies' secretariats);
* ``graqanice`` 2022-02-14, published: the Serbian National Assembly sample (Latin script);
* ``zvecan`` 2022-06-30, published: the Bosnian House of Peoples sample, written in Cyrillic as
  an assembly with ``serbian_script = cyrillic`` would publish it.

Segment times advance 0.4 s per word from 0, so each segment's start is known exactly.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from kuvend.minutes import (
    Minutes,
    MinutesAgendaItem,
    MinutesSegment,
    MinutesSession,
    MinutesSpeaker,
)
from kuvend.text import fold_for_search, serbian_to_cyrillic

EVAL_TEXT = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "text"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZČĆŠŽĐ\[])")
SECONDS_PER_WORD = 0.4


def require_eval_text() -> Path:
    """The eval text folder, or skip the test saying where it was looked for."""
    if not (EVAL_TEXT / "parlamint").is_dir():
        pytest.skip(f"eval text corpus not found at {EVAL_TEXT} (see ../shared/eval/README.md)")
    return EVAL_TEXT


@dataclass(frozen=True)
class _Turn:
    speaker: str
    sentences: list[str]


def _segments(turns: list[_Turn], session_id: str, language: str) -> list[MinutesSegment]:
    segments: list[MinutesSegment] = []
    clock = 0.0
    for turn in turns:
        for sentence in turn.sentences:
            duration = SECONDS_PER_WORD * len(sentence.split())
            segments.append(
                MinutesSegment(
                    id=f"{session_id}-{len(segments):04d}",
                    start=round(clock, 3),
                    end=round(clock + duration, 3),
                    speaker=turn.speaker,
                    language=language,
                    text=sentence,
                )
            )
            clock += duration + 0.5
    return segments


def _minutes(
    session: dict[str, str], speakers: list[MinutesSpeaker], turns: list[_Turn], **extra: object
) -> Minutes:
    language = session.pop("language")
    segments = _segments(turns, session["id"], language)
    duration = segments[-1].end if segments else 0.0
    return Minutes(
        session=MinutesSession.model_validate(
            {"duration_s": duration, "languages": ["sq", "sr"], **session, **extra}
        ),
        speakers=speakers,
        segments=segments,
    )


def _albanian_lines(name: str) -> list[str]:
    path = EVAL_TEXT / "sq_kosovo_court_sentences" / "clean_files" / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _parlamint(stem: str) -> list[tuple[str, str, str, str]]:
    """(speaker id, name, party, sentence) per sentence of a ParlaMint sample."""
    folder = EVAL_TEXT / "parlamint"
    with (folder / f"{stem}-meta.tsv").open(encoding="utf-8") as handle:
        meta = {row["ID"]: row for row in csv.DictReader(handle, delimiter="\t")}
    out: list[tuple[str, str, str, str]] = []
    for line in (folder / f"{stem}.txt").read_text(encoding="utf-8").splitlines():
        utterance, _, text = line.partition("\t")
        row = meta[utterance]
        party = row["Speaker_party"] if row["Speaker_party"] != "-" else ""
        for sentence in _SENTENCE_END.split(text):
            out.append((row["Speaker_ID"], row["Speaker_name"], party, sentence.strip()))
    return out


def _parlamint_minutes(
    stem: str, *, session_id: str, assembly: str, date: str, cyrillic: bool
) -> Minutes:
    speakers: dict[str, MinutesSpeaker] = {}
    turns: list[_Turn] = []
    for speaker_id, name, party, sentence in _parlamint(stem):
        if speaker_id not in speakers:
            label = f"S{len(speakers) + 1}"
            speakers[speaker_id] = MinutesSpeaker(
                id=label,
                member_id=f"{assembly}-{fold_for_search(speaker_id)}",
                name=name,
                party=party or None,
            )
        label = speakers[speaker_id].id
        text = serbian_to_cyrillic(sentence) if cyrillic else sentence
        if turns and turns[-1].speaker == label:
            turns[-1].sentences.append(text)
        else:
            turns.append(_Turn(label, [text]))
    return _minutes(
        {
            "id": session_id,
            "assembly": assembly,
            "title": f"Sednica {date}",
            "date": date,
            "status": "published",
            "language": "sr",
        },
        list(speakers.values()),
        turns,
        serbian_script="cyrillic" if cyrillic else "latin",
    )


ALBANIAN_MEMBERS = [
    MinutesSpeaker(id="S1", member_id="prishtine-m1", name="Arta Krasniqi", party="LDK"),
    MinutesSpeaker(id="S2", member_id="prishtine-m2", name="Besnik Gashi", party="VV"),
    MinutesSpeaker(id="S3", member_id="prishtine-m3", name="Drita Berisha", party="PDK"),
]


def _albanian_minutes(
    lines: list[str], *, session_id: str, date: str, status: str, agenda_at: int
) -> Minutes:
    turns = [
        _Turn(f"S{index % 3 + 1}", lines[start : start + 10])
        for index, start in enumerate(range(0, len(lines), 10))
    ]
    minutes = _minutes(
        {
            "id": session_id,
            "assembly": "prishtine",
            "title": f"Seanca e Kuvendit Komunal {date}",
            "date": date,
            "status": status,
            "language": "sq",
        },
        ALBANIAN_MEMBERS,
        turns,
    )
    second = minutes.segments[agenda_at].start
    agenda = [
        MinutesAgendaItem(start=0.0, title="Buxheti komunal për vitin 2024"),
        MinutesAgendaItem(start=second, title="Raporti i Këshillit për shërbime publike"),
    ]
    return minutes.model_copy(
        update={"session": minutes.session.model_copy(update={"agenda": agenda})}
    )


def build_corpus() -> list[Minutes]:
    """The four sessions described in this module's docstring (skips without the eval text)."""
    require_eval_text()
    published = _albanian_lines("copa_7_kushtrim.txt")[:120]
    # Sentences that name the council, so that "keshilli" has something to find.
    council = [
        line
        for line in _albanian_lines("copa_2_bleron_uploaded.txt")
        + _albanian_lines("copa_4_kushtrim_uploaded.txt")
        + _albanian_lines("copa_8_bleron.txt")
        if re.search(r"\bKëshill", line)
    ]
    draft = _albanian_lines("copa_4_kushtrim.txt")[:60]
    return [
        _albanian_minutes(
            published + council,
            session_id="pr-2023",
            date="2023-05-10",
            status="published",
            agenda_at=60,
        ),
        _albanian_minutes(
            draft, session_id="pr-2024-draft", date="2024-02-01", status="draft", agenda_at=30
        ),
        _parlamint_minutes(
            "ParlaMint-RS_2022-02-14-0",
            session_id="gr-2022",
            assembly="graqanice",
            date="2022-02-14",
            cyrillic=False,
        ),
        _parlamint_minutes(
            "ParlaMint-BA_2022-06-30-0",
            session_id="zv-2022",
            assembly="zvecan",
            date="2022-06-30",
            cyrillic=True,
        ),
    ]
