"""Speaking-time statistics: per speaker, member, party and language, and a timeline.

Everything here is computed from the minutes' segments, never stored on its own, so that a
speaker correction (a turn given to another member, a speaker renamed) changes the figures
the next time they are read: :func:`with_statistics` is called after every revision.

Definitions, used the same way on the page, in ``minutes.json`` and in the API:

* **speaking time** — the time the speaker's segments cover (a draft's segments span their
  speaker's diarization turn, ``diarize.extend_to_turns``; silence between turns is not
  counted, and a stretch two of their segments both cover, such as a flagged loop read over
  the pieces re-read inside it, counts once);
* **turn** — a maximal run of consecutive segments (in time order) by the same speaker; a
  segment with no speaker, another speaker's segment, or a gap in the recording ends the run
  (what happened in a gap is unknown, so no turn's span counts it);
* **longest turn** — the longest turn's span, from its first segment's start to its last
  segment's end (how long the speaker held the floor);
* **languages** — speaking time split by each segment's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kuvend.minutes import Minutes, MinutesGap, MinutesSegment, MinutesSpeaker
from kuvend.types import LanguageCode

#: A function naming a speaker's group as (key, label), or None when it belongs to none.
_KeyOf = Callable[[MinutesSpeaker], tuple[str, str] | None]


@dataclass(frozen=True, slots=True)
class TimelineTurn:
    """One turn on the session clock: who held the floor from ``start_s`` to ``end_s``."""

    speaker: str
    start_s: float
    end_s: float
    speaking_time_s: float
    segment_ids: tuple[str, ...]

    @property
    def span_s(self) -> float:
        """How long the turn lasted, pauses included."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class SpeakerStatistics:
    """The figures of one speaker label in one session."""

    speaker: str
    speaking_time_s: float
    turns: int
    longest_turn_s: float
    languages: dict[LanguageCode, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupStatistics:
    """Figures summed over a group: a member, a party or a language, in one or many sessions.

    ``key`` is the member id, the party name or the language code; ``label`` is what a reader
    sees (the member's name, the party, the language code).
    """

    key: str
    label: str
    speaking_time_s: float
    turns: int
    longest_turn_s: float
    sessions: int
    languages: dict[LanguageCode, float] = field(default_factory=dict)


def _in_time_order(segments: Iterable[MinutesSegment]) -> list[MinutesSegment]:
    return sorted(segments, key=lambda segment: (segment.start, segment.end))


def _new_seconds(segments: Sequence[MinutesSegment]) -> list[float]:
    """For each of ``segments`` (in time order), the seconds it covers that none before it did."""
    covered_until = float("-inf")
    seconds = []
    for segment in segments:
        seconds.append(max(0.0, segment.end - max(segment.start, covered_until)))
        covered_until = max(covered_until, segment.end)
    return seconds


def timeline(
    segments: Iterable[MinutesSegment], gaps: Sequence[MinutesGap] = ()
) -> list[TimelineTurn]:
    """The session's turns in time order (segments without a speaker are left out); a gap
    between two segments ends the turn."""
    turns: list[TimelineTurn] = []
    run: list[MinutesSegment] = []

    def close_run() -> None:
        if run and run[0].speaker is not None:
            turns.append(
                TimelineTurn(
                    speaker=run[0].speaker,
                    start_s=run[0].start,
                    end_s=max(segment.end for segment in run),
                    speaking_time_s=sum(_new_seconds(run)),
                    segment_ids=tuple(segment.id for segment in run),
                )
            )
        run.clear()

    for segment in _in_time_order(segments):
        if run and (
            segment.speaker != run[0].speaker
            or any(run[-1].end <= gap.start < segment.start + 1e-6 for gap in gaps)
        ):
            close_run()
        run.append(segment)
    close_run()
    return turns


def speaker_statistics(
    segments: Iterable[MinutesSegment], gaps: Sequence[MinutesGap] = ()
) -> dict[str, SpeakerStatistics]:
    """Figures per speaker label, in order of each speaker's first turn; turns end at ``gaps``."""
    ordered = _in_time_order(segments)
    speaking: dict[str, float] = defaultdict(float)
    languages: dict[str, dict[LanguageCode, float]] = defaultdict(lambda: defaultdict(float))
    own: dict[str, list[MinutesSegment]] = defaultdict(list)
    for segment in ordered:
        if segment.speaker is not None:
            own[segment.speaker].append(segment)
    for speaker, theirs in own.items():
        for segment, seconds in zip(theirs, _new_seconds(theirs), strict=True):
            speaking[speaker] += seconds
            languages[speaker][segment.language] += seconds
    turn_counts: dict[str, int] = defaultdict(int)
    longest: dict[str, float] = defaultdict(float)
    for turn in timeline(ordered, gaps):
        turn_counts[turn.speaker] += 1
        longest[turn.speaker] = max(longest[turn.speaker], turn.span_s)
    return {
        label: SpeakerStatistics(
            speaker=label,
            speaking_time_s=round(speaking[label], 3),
            turns=turn_counts[label],
            longest_turn_s=round(longest[label], 3),
            languages={code: round(seconds, 3) for code, seconds in languages[label].items()},
        )
        for label in speaking
    }


def with_statistics(minutes: Minutes) -> Minutes:
    """The same minutes with every speaker's figures recomputed from the segments.

    Speakers that no longer have a segment (after their turns were all reassigned) keep their
    entry with zero figures, so that a name given by a reviewer is not lost.
    """
    figures = speaker_statistics(minutes.segments, minutes.session.gaps)
    known = {speaker.id for speaker in minutes.speakers}
    speakers = [
        _apply_figures(speaker, figures.get(speaker.id)) for speaker in minutes.speakers
    ] + [
        _apply_figures(MinutesSpeaker(id=label), stats)
        for label, stats in figures.items()
        if label not in known
    ]
    return minutes.model_copy(update={"speakers": speakers})


def _apply_figures(speaker: MinutesSpeaker, stats: SpeakerStatistics | None) -> MinutesSpeaker:
    return speaker.model_copy(
        update={
            "speaking_time_s": stats.speaking_time_s if stats else 0.0,
            "turns": stats.turns if stats else 0,
            "longest_turn_s": stats.longest_turn_s if stats else 0.0,
            "languages": dict(stats.languages) if stats else {},
        }
    )


def member_statistics(minutes_list: Iterable[Minutes]) -> list[GroupStatistics]:
    """Figures per named member over one or many sessions, most speaking time first."""
    return _grouped(
        minutes_list,
        lambda speaker: (
            (speaker.member_id, speaker.name or speaker.member_id) if speaker.member_id else None
        ),
    )


def party_statistics(minutes_list: Iterable[Minutes]) -> list[GroupStatistics]:
    """Figures per party over one or many sessions (speakers without a party are left out)."""
    return _grouped(
        minutes_list, lambda speaker: (speaker.party, speaker.party) if speaker.party else None
    )


def language_statistics(minutes_list: Iterable[Minutes]) -> list[GroupStatistics]:
    """Speaking time per language over one or many sessions, largest first.

    ``turns`` counts the segments spoken in the language; ``longest_turn_s`` the longest one.
    """
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    longest: dict[str, float] = defaultdict(float)
    sessions: dict[str, set[str]] = defaultdict(set)
    for minutes in minutes_list:
        for segment in minutes.segments:
            if segment.speaker is None:
                continue
            duration = segment.end - segment.start
            totals[segment.language] += duration
            counts[segment.language] += 1
            longest[segment.language] = max(longest[segment.language], duration)
            sessions[segment.language].add(minutes.session.id)
    groups = [
        GroupStatistics(
            key=code,
            label=code,
            speaking_time_s=round(totals[code], 3),
            turns=counts[code],
            longest_turn_s=round(longest[code], 3),
            sessions=len(sessions[code]),
            languages={code: round(totals[code], 3)},
        )
        for code in totals
    ]
    return sorted(groups, key=lambda group: -group.speaking_time_s)


def _grouped(
    minutes_list: Iterable[Minutes],
    key_of: _KeyOf,
) -> list[GroupStatistics]:
    totals: dict[str, float] = defaultdict(float)
    turns: dict[str, int] = defaultdict(int)
    longest: dict[str, float] = defaultdict(float)
    labels: dict[str, str] = {}
    sessions: dict[str, set[str]] = defaultdict(set)
    languages: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for minutes in minutes_list:
        # Figures are recomputed rather than read, so stale speaker entries cannot mislead.
        fresh = with_statistics(minutes)
        for speaker in fresh.speakers:
            keyed = key_of(speaker)
            if keyed is None or speaker.turns == 0:
                continue
            key, label = keyed
            labels.setdefault(key, label)
            totals[key] += speaker.speaking_time_s
            turns[key] += speaker.turns
            longest[key] = max(longest[key], speaker.longest_turn_s)
            sessions[key].add(minutes.session.id)
            for code, seconds in speaker.languages.items():
                languages[key][code] += seconds
    groups = [
        GroupStatistics(
            key=key,
            label=labels[key],
            speaking_time_s=round(totals[key], 3),
            turns=turns[key],
            longest_turn_s=round(longest[key], 3),
            sessions=len(sessions[key]),
            languages={code: round(seconds, 3) for code, seconds in languages[key].items()},
        )
        for key in totals
    ]
    return sorted(groups, key=lambda group: (-group.speaking_time_s, group.label))


def share_of_time(speakers: Sequence[MinutesSpeaker]) -> dict[str, float]:
    """Each speaker's share (0..1) of all attributed speaking time, for charts."""
    total = sum(speaker.speaking_time_s for speaker in speakers)
    return {
        speaker.id: (speaker.speaking_time_s / total if total > 0 else 0.0) for speaker in speakers
    }
