"""Word-to-speaker attribution on hand-made turns and segments (pure logic, exact answers)."""

from __future__ import annotations

from diarize import attribute_words, extend_to_turns
from kuvend.domain import Segment, SpeakerTurn, Word


def words(*spans: tuple[str, float, float]) -> tuple[Word, ...]:
    # As transcribe_chunk makes them: Whisper's leading space stripped from every word.
    return tuple(Word(start, end, text.strip(), 0.9) for text, start, end in spans)


def segment(*spans: tuple[str, float, float], other: str | None = None) -> Segment:
    ws = words(*spans)
    text = " ".join(word.text for word in ws)
    return Segment(ws[0].start_s, ws[-1].end_s, text, "sr", 0.9, ws, text_other_script=other)


TURNS = (SpeakerTurn(0.0, 4.0, "S1"), SpeakerTurn(4.2, 9.0, "S2"), SpeakerTurn(9.5, 12.0, "S1"))


def test_a_segment_inside_one_turn_gets_that_speaker() -> None:
    [result] = attribute_words([segment((" Dobar", 0.5, 0.9), (" dan", 1.0, 1.4))], TURNS)

    assert result.speaker == "S1"
    assert result.text == "Dobar dan"


def test_a_segment_is_split_where_the_speaker_changes() -> None:
    spoken = segment(
        (" Hvala.", 3.0, 3.5), (" Ja", 4.3, 4.6), (" mislim", 4.7, 5.1), (" da", 5.2, 5.4)
    )

    first, second = attribute_words([spoken], TURNS)

    assert (first.speaker, first.text, first.start_s, first.end_s) == ("S1", "Hvala.", 3.0, 3.5)
    assert (second.speaker, second.text, second.start_s, second.end_s) == (
        "S2",
        "Ja mislim da",
        4.3,
        5.4,
    )
    assert [w.text for w in first.words + second.words] == [w.text for w in spoken.words]


def test_a_word_straddling_a_turn_edge_goes_where_most_of_it_lies() -> None:
    # "kraj" spans 3.8-4.5: 0.2 s in S1, 0.3 s in S2 -> S2; "Da" lies mostly in S1.
    first, second = attribute_words(
        [segment((" i", 3.0, 3.2), (" Da", 3.3, 3.8), (" kraj", 3.8, 4.5), (" sada", 4.6, 5.0))],
        TURNS,
    )

    assert (first.speaker, first.text) == ("S1", "i Da")
    assert (second.speaker, second.text) == ("S2", "kraj sada")


def test_a_lone_word_between_words_of_one_speaker_stays_with_them() -> None:
    # The middle word's times fall in the gap/other turn, but one word is no change of speaker.
    [result] = attribute_words(
        [segment((" mi", 8.0, 8.5), (" smo", 9.1, 9.6), (" za", 8.6, 8.9))],
        (SpeakerTurn(7.0, 9.05, "S2"), SpeakerTurn(9.05, 12.0, "S1")),
    )

    assert result.speaker == "S2"


def test_words_outside_every_turn_go_to_the_nearest_turn() -> None:
    [result] = attribute_words([segment((" ovo", 12.5, 12.9))], TURNS)

    assert result.speaker == "S1"


def test_a_segment_without_words_goes_to_the_speaker_it_overlaps_most() -> None:
    plain = Segment(3.5, 6.0, "nešto", "sr", 0.9)

    [result] = attribute_words([plain], TURNS)

    assert result.speaker == "S2"
    assert result.text == "nešto"


def test_split_serbian_keeps_the_other_script_for_each_piece() -> None:
    spoken = segment((" Hvala.", 3.0, 3.5), (" Ja", 4.3, 4.6), other="Хвала. Ја")

    first, second = attribute_words([spoken], TURNS)

    assert (first.text_other_script, second.text_other_script) == ("Хвала.", "Ја")


def test_without_turns_segments_pass_unchanged() -> None:
    spoken = segment((" Hvala.", 3.0, 3.5))

    assert list(attribute_words([spoken], ())) == [spoken]


def spans(segments: list[Segment]) -> list[tuple[str | None, float, float]]:
    return [(s.speaker, s.start_s, s.end_s) for s in segments]


def test_a_speaker_s_segments_fill_their_turn_but_not_the_silence_around_it() -> None:
    # S1 spoke 0-4 s; Whisper read 0.5-1.4 and 2.0-3.1 and nothing of the rest.
    spoken = attribute_words(
        [segment((" Dobar", 0.5, 0.9), (" dan", 1.0, 1.4)), segment((" Hvala.", 2.0, 3.1))],
        TURNS,
    )

    widened = extend_to_turns(list(spoken), TURNS)

    # The pause between them is S1's; the segments reach the turn's ends, not beyond.
    assert spans(widened) == [("S1", 0.0, 2.0), ("S1", 2.0, 4.0)]
    assert [w.start_s for w in widened[0].words] == [0.5, 1.0]


def test_a_segment_never_reaches_into_another_speaker_s_turn_or_segment() -> None:
    spoken = segment(
        (" Hvala.", 3.0, 3.5), (" Ja", 4.3, 4.6), (" mislim", 4.7, 5.1), (" da", 5.2, 5.4)
    )
    later = segment((" Dobro.", 10.0, 10.5))

    widened = extend_to_turns(list(attribute_words([spoken, later], TURNS)), TURNS)

    # S1's piece ends where its turn does; S2's stretches over S2's turn up to 9 s; the last
    # S1 segment starts where its own turn does, after the silence 9-9.5 s.
    assert spans(widened) == [("S1", 0.0, 4.0), ("S2", 4.2, 9.0), ("S1", 9.5, 12.0)]


def test_segments_without_a_speaker_or_outside_their_turns_keep_their_times() -> None:
    alone = segment((" Hvala.", 13.0, 13.5))  # after every turn, given to the nearest: S1
    unknown = segment((" Da.", 20.0, 20.4))

    widened = extend_to_turns([*attribute_words([alone], TURNS), unknown], TURNS)

    assert spans(widened) == [("S1", 13.0, 13.5), (None, 20.0, 20.4)]


def test_a_segment_never_grows_into_a_segment_that_already_spans_it() -> None:
    # A flagged loop read over 1.0-3.5 s covers the pieces read after it.
    loop = Segment(1.0, 3.5, "", "sr", 0.9, flag="loop", speaker="S1")
    inner = [
        segment((" Dobar", 1.2, 1.6)),
        segment((" dan", 2.0, 2.4)),
    ]

    widened = extend_to_turns([loop, *attribute_words(inner, TURNS)], TURNS)

    # The loop reaches back to its turn's start; the pieces inside it stay where they were
    # read, never reaching past the loop's end to the turn's end at 4 s.
    assert spans(widened) == [("S1", 0.0, 3.5), ("S1", 1.2, 1.6), ("S1", 2.0, 2.4)]
