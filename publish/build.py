"""From the pipeline's segments to the ``minutes.json`` document (a draft until published)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence

from kuvend.domain import Member, Segment, SessionInfo
from kuvend.minutes import (
    Minutes,
    MinutesGap,
    MinutesSegment,
    MinutesSession,
    MinutesSpeaker,
    MinutesWord,
    SessionStatus,
)
from publish.statistics import with_statistics

log = logging.getLogger(__name__)


def _ms(seconds: float) -> float:
    """Seconds rounded to the millisecond, as the contract serialises times."""
    return round(float(seconds), 3)


def segment_id(session_id: str, position: int, start_s: float) -> str:
    """A stable id for the segment at ``position`` starting at ``start_s`` in a session.

    The same session processed the same way gives the same ids, so links to a moment
    (``#seg-…``) and revisions keep pointing at the same line. 20 hex characters fit the
    database's 32-character key and are unique across sessions.
    """
    key = f"{session_id}:{position}:{round(start_s * 1000)}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def minutes_segment(session_id: str, position: int, segment: Segment) -> MinutesSegment:
    """One recognised segment as the contract writes it."""
    words = [
        MinutesWord(
            start=_ms(word.start_s),
            end=_ms(word.end_s),
            word=word.text.strip(),
            p=min(1.0, max(0.0, round(word.probability, 3))),
        )
        for word in segment.words
    ]
    return MinutesSegment(
        id=segment_id(session_id, position, segment.start_s),
        start=_ms(segment.start_s),
        end=_ms(segment.end_s),
        speaker=segment.speaker,
        language=segment.language,
        text=segment.text.strip(),
        words=words,
        language_p=round(segment.language_probability, 3),
        avg_logprob=round(segment.avg_logprob, 3),
        no_speech_prob=round(segment.no_speech_prob, 3),
        compression_ratio=round(segment.compression_ratio, 3),
        # The transcriber flags words it was unsure of; the review page points them out.
        low_confidence_words=[i for i, word in enumerate(segment.words) if word.low_confidence],
        flag=segment.flag,
    )


def minutes_speaker(label: str, member: Member | None) -> MinutesSpeaker:
    """A speaker entry without figures (``with_statistics`` fills them)."""
    if member is None:
        return MinutesSpeaker(id=label)
    return MinutesSpeaker(id=label, member_id=member.id, name=member.name, party=member.party)


def build_minutes(
    session: SessionInfo,
    segments: Sequence[Segment],
    *,
    speakers: Mapping[str, Member | None],
    duration_s: float,
    status: SessionStatus = "draft",
    version: int | None = None,
    generator: str | None = None,
) -> Minutes:
    """The minutes of ``session``: its segments in time order, its speakers and their figures.

    ``speakers`` maps each diarization label (``S1``…) to the member it was identified as, or
    ``None``; labels found on segments but missing from the map are listed unnamed. Segment ids
    are derived from the session id and each segment's position and start, so they are stable
    across runs.
    """
    ordered = sorted(segments, key=lambda segment: (segment.start_s, segment.end_s))
    log.info("building minutes of %s from %d segments", session.id, len(ordered))
    minutes_segments = [
        minutes_segment(session.id, position, segment) for position, segment in enumerate(ordered)
    ]
    labels = list(speakers)
    labels += [
        segment.speaker
        for segment in ordered
        if segment.speaker is not None and segment.speaker not in speakers
    ]
    unique_labels = list(dict.fromkeys(labels))
    header = MinutesSession(
        id=session.id,
        assembly=session.assembly,
        title=session.title,
        date=session.date.isoformat(),
        duration_s=_ms(duration_s),
        languages=list(session.languages),
        status=status,
        serbian_script=session.serbian_script,
        version=version,
        gaps=[
            MinutesGap(start=_ms(gap.start_s), end=_ms(gap.end_s), reason=gap.reason)
            for gap in session.gaps
        ],
        generator=generator,
    )
    draft = Minutes(
        session=header,
        speakers=[minutes_speaker(label, speakers.get(label)) for label in unique_labels],
        segments=minutes_segments,
    )
    return with_statistics(draft)
