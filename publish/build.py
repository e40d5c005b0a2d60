"""From a session's segments to the ``minutes.json`` document (a draft until published).

The one conversion from the domain's records to the published form: the draft under review
(``publish.review.load_draft_minutes``) and freshly recognised segments both go through
:func:`build_minutes`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from kuvend.domain import (
    AgendaItem,
    DraftSegment,
    DraftSpeaker,
    Member,
    Segment,
    SessionInfo,
    SpeakerTurn,
    segment_ids,
)
from kuvend.minutes import (
    Minutes,
    MinutesAgendaItem,
    MinutesAudioStream,
    MinutesGap,
    MinutesOverlap,
    MinutesSegment,
    MinutesSession,
    MinutesSpeaker,
    MinutesTruncation,
    MinutesWord,
    SessionStatus,
)
from publish.statistics import with_statistics

log = logging.getLogger(__name__)


def _ms(seconds: float) -> float:
    """Seconds rounded to the millisecond, as the contract serialises times."""
    return round(float(seconds), 3)


def minutes_segment(draft: DraftSegment) -> MinutesSegment:
    """One segment as the contract writes it: times to the millisecond, text stripped.

    A reviewed segment has been checked: the transcriber's doubtful words no longer apply,
    and its text is the reviewer's (a flagged gap has been filled), so it lists neither; an
    overlap (two voices at once) stays.
    """
    segment = draft.segment
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
        id=draft.id,
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
        low_confidence_words=[]
        if draft.reviewed
        else [i for i, word in enumerate(segment.words) if word.low_confidence],
        flag=None if draft.reviewed else segment.flag,
        # Unlike a flag, a reviewer's correction does not make two voices into one.
        overlap=segment.overlap,
        reviewed=draft.reviewed,
    )


def minutes_speaker(speaker: DraftSpeaker) -> MinutesSpeaker:
    """A speaker entry without figures (``with_statistics`` fills them)."""
    member = speaker.member
    if member is None:
        return MinutesSpeaker(id=speaker.label, name=speaker.guest_name)
    return MinutesSpeaker(
        id=speaker.label, member_id=member.id, name=member.name, party=member.party
    )


def _drafted(session_id: str, segments: Sequence[Segment | DraftSegment]) -> list[DraftSegment]:
    """Stored segments as they are; recognised ones with the ids recognition gives them."""
    stored = [segment for segment in segments if isinstance(segment, DraftSegment)]
    fresh = [segment for segment in segments if isinstance(segment, Segment)]
    ids = iter(segment_ids(session_id, fresh, taken=[segment.id for segment in stored]))
    return [
        segment if isinstance(segment, DraftSegment) else DraftSegment(next(ids), segment)
        for segment in segments
    ]


def build_minutes(
    session: SessionInfo,
    segments: Sequence[Segment | DraftSegment],
    *,
    speakers: Mapping[str, Member | None] | Sequence[DraftSpeaker],
    duration_s: float,
    status: SessionStatus = "draft",
    version: int | None = None,
    generator: str | None = None,
    agenda: Sequence[AgendaItem] = (),
    audio_streams: Sequence[MinutesAudioStream] = (),
    truncated: MinutesTruncation | None = None,
    second_voices: Sequence[SpeakerTurn] = (),
) -> Minutes:
    """The minutes of ``session``: its segments in time order, its speakers and their figures.

    ``segments``: the stored draft's (:class:`DraftSegment`, with their ids), or recognised
    ones (:class:`Segment`), which get the ids recognition gives when it saves them
    (``kuvend.domain.segment_ids``), so ids are the same on every run. Time order is the
    stored order: by start, then chunk, then as given. ``speakers``: the draft's, in order,
    or a map from each diarization label (``S1``…) to the member it was identified as, or
    ``None``; labels found on segments but not listed are added unnamed (``with_statistics``).
    ``duration_s`` and every time are seconds; segment times are rounded to milliseconds,
    gaps and agenda times are written as given. ``second_voices``: who else spoke where two
    people spoke at once (``Diarization.second_voices``), the minutes' ``overlaps``.
    """
    drafted = _drafted(session.id, segments)
    ordered = sorted(drafted, key=lambda draft: (draft.segment.start_s, draft.segment.chunk_index))
    log.info("building minutes of %s from %d segments", session.id, len(ordered))
    listed = (
        [DraftSpeaker(label, member) for label, member in speakers.items()]
        if isinstance(speakers, Mapping)
        else list(speakers)
    )
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
            MinutesGap(start=gap.start_s, end=gap.end_s, reason=gap.reason) for gap in session.gaps
        ],
        agenda=[MinutesAgendaItem(start=item.start_s, title=item.title) for item in agenda],
        generator=generator,
        audio_streams=list(audio_streams),
        truncated=truncated,
    )
    draft = Minutes(
        session=header,
        speakers=[minutes_speaker(speaker) for speaker in listed],
        segments=[minutes_segment(segment) for segment in ordered],
        overlaps=[
            MinutesOverlap(start=_ms(voice.start_s), end=_ms(voice.end_s), speaker=voice.speaker)
            for voice in sorted(second_voices, key=lambda voice: voice.start_s)
        ],
    )
    return with_statistics(draft)
