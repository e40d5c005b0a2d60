"""What the editor shows of a draft: segments with their words, doubts and versions; speakers.

A segment needs review when it is not reviewed yet and the recogniser doubted it: a word
marked low-confidence, or the whole segment past one of Whisper's own fallback thresholds
(compression ratio above 2.4: a repetition loop; average log-probability below -1: a guess;
no-speech probability above 0.6 with a low log-probability: likely unintelligible). The
thresholds are the defaults of openai/whisper's ``transcribe`` (and faster-whisper's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from kuvend.storage.segment_history import segment_versions
from kuvend.storage.tables import GapRow, MemberRow, SegmentRow, SpeakerRow
from search_api.pages.i18n import Texts

_ORDER = (SegmentRow.start_s, SegmentRow.chunk_index, SegmentRow.position)
# The columns a line needs, read as plain rows: a three-hour draft's thousands of ORM objects
# cost the editor page more than everything else on it.
_COLUMNS = (
    SegmentRow.id,
    SegmentRow.start_s,
    SegmentRow.end_s,
    SegmentRow.speaker_label,
    SegmentRow.text,
    SegmentRow.words,
    SegmentRow.reviewed,
    SegmentRow.compression_ratio,
    SegmentRow.avg_logprob,
    SegmentRow.no_speech_prob,
    SegmentRow.overlap,
)
_Row = Row[
    tuple[str, float, float, str | None, str, list[dict[str, Any]], bool, float, float, float, bool]
]
LOOP_COMPRESSION_RATIO = 2.4
GUESS_LOGPROB = -1.0
NO_SPEECH_PROB = 0.6
#: The editor's transcript comes in lists of this many lines, each laid out and painted only
#: near the screen (CSS ``content-visibility``): ~40 parts for a three-hour session.
LINES_PER_PART = 64


@dataclass(frozen=True, slots=True)
class WordView:
    start: float
    word: str
    low: bool


@dataclass(frozen=True, slots=True)
class SegmentView:
    """One line of the editor."""

    id: str
    start: float
    end: float
    speaker: str | None
    speaker_name: str
    text: str
    words: list[WordView]
    version: int
    flag: str | None
    """loop, unintelligible or doubtful (a segment-level doubt), None otherwise."""
    review: bool
    overlap: bool = False
    """Two or more people spoke at once: the text may miss one of them (stays after review)."""


@dataclass(frozen=True, slots=True)
class SpeakerView:
    label: str
    member_id: str | None
    name: str | None


def _flag(row: _Row) -> str | None:
    if row.reviewed:
        return None
    if row.compression_ratio > LOOP_COMPRESSION_RATIO:
        return "loop"
    if row.avg_logprob < GUESS_LOGPROB:
        return "unintelligible" if row.no_speech_prob > NO_SPEECH_PROB else "doubtful"
    return None


def speakers(session: Session, session_id: str) -> list[SpeakerView]:
    """The session's speaker labels and who each is, in label order: the member's name, or a
    guest's (named through the API with ``{"name": …}``), or None when nobody named it."""
    rows = session.execute(
        select(SpeakerRow.label, SpeakerRow.member_id, MemberRow.name, SpeakerRow.guest_name)
        .outerjoin(MemberRow, MemberRow.id == SpeakerRow.member_id)
        .where(SpeakerRow.session_id == session_id)
    )
    found = [
        SpeakerView(label, member_id, name or guest or None)
        for label, member_id, name, guest in rows
    ]
    return sorted(found, key=lambda s: (len(s.label), s.label))


def segment_views(
    session: Session, session_id: str, t: Texts, only: Iterable[str] | None = None
) -> list[SegmentView]:
    """The draft's current segments as the editor shows them (only ``only``'s, if given)."""
    names = {s.label: s.name for s in speakers(session, session_id)}
    wanted = None if only is None else list(only)
    versions = segment_versions(session=session, session_id=session_id, only=wanted)
    query = select(*_COLUMNS).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if wanted is not None:
        query = query.where(SegmentRow.id.in_(wanted))
    views = []
    for row in session.execute(query.order_by(*_ORDER)):
        label = row.speaker_label
        words = [
            WordView(round(float(w["start"]), 2), str(w["word"]).strip(), bool(w.get("low")))
            for w in row.words
        ]
        if row.reviewed:
            words = [WordView(w.start, w.word, False) for w in words]
        flag = _flag(row)
        views.append(
            SegmentView(
                id=row.id,
                start=round(row.start_s, 3),
                end=round(row.end_s, 3),
                speaker=label,
                speaker_name=(names.get(label) if label else None)
                or (t("speaker_label", label=label) if label else t("unknown_speaker")),
                text=row.text.strip(),
                words=[w for w in words if w.word],
                version=versions.get(row.id, 0),
                flag=flag,
                review=not row.reviewed and (flag is not None or any(w.low for w in words)),
                overlap=row.overlap,
            )
        )
    return views


def live_ids(session: Session, session_id: str, only: Iterable[str] | None = None) -> list[str]:
    """The ids of the draft's current segments in time order (of ``only``, if given)."""
    query = select(SegmentRow.id).where(
        SegmentRow.session_id == session_id, SegmentRow.superseded.is_(False)
    )
    if only is not None:
        query = query.where(SegmentRow.id.in_(list(only)))
    return list(session.scalars(query.order_by(*_ORDER)))


def gaps(session: Session, session_id: str) -> list[GapRow]:
    """Stretches of the recording with no transcript (dropped, silent, unreadable), in order."""
    query = select(GapRow).where(GapRow.session_id == session_id).order_by(GapRow.start_s)
    return list(session.scalars(query))
