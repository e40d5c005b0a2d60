"""Members named by voice: four enrolled voices, one stranger, speaking time within 1 s.

Real models throughout: Silero VAD and Resemblyzer enrol each member from ~20 s of espeak-ng
speech (Resemblyzer, not the default d-vector: these espeak voices were chosen to be apart
in Resemblyzer's space; the d-vector encoder puts sq+Storm and sr+Andy at cosine 0.64 and
merges them, as bench/diarization.py's synthetic 5-voice session shows), the embedded
diarizer processes the session in 30 s chunks, ``identify_speakers`` names the speakers,
and publish's ``build_minutes`` computes the statistics a citizen sees.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import soundfile

import publish
from diarize import (
    DEFAULT_IDENTIFY_THRESHOLD,
    DiarizeOptions,
    Voiceprint,
    attribute_words,
    enrol_voice,
    get_diarizer,
    identify_speakers,
    link_speakers,
    updated_voiceprint,
    voiceprint_from_turns,
)
from diarize.audio import read_wav
from kuvend.domain import Diarization, Member, Segment, SessionInfo, SpeakerTurn
from kuvend.errors import MediaError
from tests.diarize.sessions import cut_into_chunks, majority_label, speech_span
from tests.transcribe.conftest import eval_path
from tests.utils.speech import (
    ALBANIAN_SENTENCES,
    SERBIAN_SENTENCES,
    ReferenceTurn,
    ScriptedTurn,
    SyntheticSession,
    speak,
    synthesize_session,
)

#: name -> (espeak-ng voice, language, party). Chosen so that no two are closer than 0.70
#: (Resemblyzer cosine between a session centroid and an enrolment; bench --calibrate).
MEMBERS = {
    "Arben Krasniqi": ("sq+m3", "sq", "LVV"),
    "Milica Jovanović": ("sr+f3", "sr", "Srpska lista"),
    "Dragan Petrović": ("sr+Andy", "sr", "Srpska lista"),
    "Drita Gashi": ("sq+Alicia", "sq", "PDK"),
}
STRANGER = ("sq+Storm", "sq")
#: Two MPs of bench/diarization_sets.py's 4-people report set (real speech, one person each).
TWO_MPS = (
    "sr/parlaspeech_rs_lid/sr_parlaspeech_2013-12-09-0_u29278_8398-8550.wav",
    "sr/parlaspeech_rs_lid/sr_parlaspeech_2015-07-13-0_u31681_1991-2267.wav",
)
ENCODER = "resemblyzer"
#: Who speaks, for how many sentences (a turn's duration follows from its sentences).
SCRIPT = (
    ("Arben Krasniqi", 2),
    ("Milica Jovanović", 1),
    ("Dragan Petrović", 2),
    ("Drita Gashi", 1),
    ("stranger", 1),
    ("Arben Krasniqi", 1),
    ("Drita Gashi", 2),
    ("Milica Jovanović", 2),
    ("Dragan Petrović", 1),
    ("Arben Krasniqi", 1),
)


def sentences(language: str) -> tuple[str, ...]:
    return ALBANIAN_SENTENCES if language == "sq" else SERBIAN_SENTENCES


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("members")


@pytest.fixture(scope="module")
def members(work: Path) -> list[Member]:
    """Each member enrolled from the first four sentences of their language."""
    diarizer = get_diarizer("embedded", encoder=ENCODER)
    enrolled = []
    for number, (name, (voice, language, party)) in enumerate(MEMBERS.items()):
        sample = synthesize_session(
            [ScriptedTurn(name, language, text, voice) for text in sentences(language)[:4]],
            work / f"sample{number}.wav",
            pause_s=0.5,
        )
        print_ = enrol_voice(sample.path, diarizer)
        assert 10.0 <= print_.speech_s <= 60.0
        enrolled.append(
            Member(
                f"m{number}",
                "prishtine",
                name,
                party,
                voiceprint=print_.embedding,
                voice_space=diarizer.voice_space,
            )
        )
    return enrolled


@pytest.fixture(scope="module")
def session(work: Path) -> SyntheticSession:
    """The script, spoken from sentences the enrolment did not use (4 and 5, then 0...)."""
    used: dict[str, int] = defaultdict(lambda: 4)
    turns = []
    for speaker, count in SCRIPT:
        voice, language = MEMBERS[speaker][:2] if speaker in MEMBERS else STRANGER
        for _ in range(count):
            text = sentences(language)[used[speaker] % 6]
            used[speaker] += 1
            turns.append(ScriptedTurn(speaker, language, text, voice))
    return synthesize_session(turns, work / "session.wav", pause_s=0.8)


@pytest.fixture(scope="module")
def diarization(session: SyntheticSession, work: Path) -> Diarization:
    diarizer, options = (
        get_diarizer("embedded", encoder=ENCODER),
        DiarizeOptions.for_encoder(ENCODER),
    )
    chunks = cut_into_chunks(session.path, 30.0, work / "chunks")
    return link_speakers([diarizer.diarize_chunk(c, options) for c in chunks], options)


def spoken_turns(session: SyntheticSession) -> list[ReferenceTurn]:
    """Reference turns as a person marks them: one speaker's consecutive sentences are one turn."""
    merged: list[ReferenceTurn] = []
    for turn in session.turns:
        if merged and merged[-1].speaker == turn.speaker:
            last = merged[-1]
            merged[-1] = ReferenceTurn(last.speaker, last.language, "", last.start_s, turn.end_s)
        else:
            merged.append(turn)
    return merged


@pytest.mark.slow
def test_each_turn_is_named_after_its_member_and_the_stranger_stays_unnamed(
    members: list[Member], session: SyntheticSession, diarization: Diarization
) -> None:
    named = identify_speakers(diarization.centroids, members, voice_space=ENCODER)
    names = {member.id: member.name for member in members}

    for turn in spoken_turns(session):
        label = majority_label(turn, diarization.turns)
        assert label is not None
        expected = turn.speaker if turn.speaker in MEMBERS else None
        assert names.get(named.get(label, "")) == expected, (turn, label, named)


@pytest.mark.slow
def test_speaking_time_per_member_is_within_a_second_of_the_truth(
    members: list[Member], session: SyntheticSession, diarization: Diarization
) -> None:
    named = identify_speakers(diarization.centroids, members, voice_space=ENCODER)
    by_id = {member.id: member for member in members}
    samples, rate = soundfile.read(str(session.path), dtype="float32")
    # Recognition is not part of this test: each sentence's sounding span stands for the
    # segment a perfect recogniser would return, and attribution gives it a speaker.
    spans = [speech_span(samples, rate, sentence) for sentence in session.turns]
    segments = [Segment(start, end, "", "sq", 1.0) for start, end in spans]
    attributed = list(attribute_words(segments, diarization.turns))
    minutes = publish.build_minutes(
        SessionInfo("s1", "prishtine", "Seanca", date(2025, 1, 30)),
        attributed,
        speakers={label: by_id.get(named.get(label, "")) for label in diarization.centroids},
        duration_s=session.duration_s,
    )

    truth: dict[str, float] = defaultdict(float)
    for sentence, (start, end) in zip(session.turns, spans, strict=True):
        truth[sentence.speaker] += end - start
    turns: dict[str, int] = defaultdict(int)
    for turn in spoken_turns(session):
        turns[turn.speaker] += 1
    measured = {s.name: s for s in minutes.speakers if s.name is not None}
    assert set(measured) == set(MEMBERS)
    for name in MEMBERS:
        assert measured[name].speaking_time_s == pytest.approx(truth[name], abs=1.0), name
        assert measured[name].turns == turns[name], name
    [stranger] = [s for s in minutes.speakers if s.member_id is None]
    assert stranger.speaking_time_s == pytest.approx(truth["stranger"], abs=1.0)
    assert len(minutes.speakers) == 5


def test_identification_is_one_to_one_and_refuses_weak_matches() -> None:
    rng = np.random.default_rng(4)
    prints = [v / np.linalg.norm(v) for v in rng.normal(size=(2, 256)).astype(np.float32)]
    members = [
        Member("a", "x", "A", voiceprint=prints[0], voice_space=ENCODER),
        Member("b", "x", "B", voiceprint=prints[1], voice_space=ENCODER),
    ]
    near = prints[0] + 0.05 * prints[1]
    centroids = {
        "S1": prints[0],
        "S2": (near / np.linalg.norm(near)).astype(np.float32),  # also A's voice, less alike
        "S3": prints[1],
        "S4": rng.normal(size=256).astype(np.float32) / 16.0,  # nobody
    }
    centroids["S4"] /= np.linalg.norm(centroids["S4"])

    assert identify_speakers(centroids, members, voice_space=ENCODER) == {"S1": "a", "S3": "b"}
    assert identify_speakers(centroids, members, voice_space=ENCODER, threshold=1.01) == {}
    assert identify_speakers(centroids, [Member("c", "x", "C")], voice_space=ENCODER) == {}
    assert 0.0 < DEFAULT_IDENTIFY_THRESHOLD < 1.0


def test_a_voiceprint_of_another_encoder_is_never_compared() -> None:
    """Same vector, other space: a Resemblyzer voiceprint names nobody in a d-vector session."""
    voice = np.zeros(256, dtype=np.float32)
    voice[0] = 1.0
    resemblyzer_member = Member("a", "x", "A", voiceprint=voice, voice_space="resemblyzer")
    unknown_member = Member("b", "x", "B", voiceprint=voice, voice_space=None)
    dvector_member = Member("c", "x", "C", voiceprint=voice, voice_space="dvector")
    centroids = {"S1": voice}

    assert identify_speakers(centroids, [resemblyzer_member], voice_space="dvector") == {}
    assert identify_speakers(centroids, [unknown_member], voice_space="dvector") == {}
    assert identify_speakers(
        centroids, [resemblyzer_member, dvector_member], voice_space="dvector"
    ) == {"S1": "c"}
    assert identify_speakers(centroids, [resemblyzer_member], voice_space="resemblyzer") == {
        "S1": "a"
    }


def test_a_campplus_voiceprint_is_never_compared_with_a_dvector_session_or_back() -> None:
    """CAM++ prints are 192-dim, d-vectors 256: comparing them would fail, or worse, not."""
    campplus_print = np.zeros(192, dtype=np.float32)
    campplus_print[0] = 1.0
    dvector_print = np.zeros(256, dtype=np.float32)
    dvector_print[0] = 1.0
    campplus_member = Member("a", "x", "A", voiceprint=campplus_print, voice_space="campplus")
    dvector_member = Member("b", "x", "B", voiceprint=dvector_print, voice_space="dvector")
    members = [campplus_member, dvector_member]

    assert identify_speakers({"S1": dvector_print}, members, voice_space="dvector") == {"S1": "b"}
    assert identify_speakers({"S1": campplus_print}, members, voice_space="campplus") == {"S1": "a"}


def test_a_short_voice_sample_is_refused_with_its_length(tmp_path: Path) -> None:
    short = tmp_path / "short.wav"
    speak(ALBANIAN_SENTENCES[0], "sq+m3", short)

    with pytest.raises(MediaError, match=r"short.wav has \d+\.\d s of speech; at least 10 s"):
        enrol_voice(short, get_diarizer("embedded", encoder=ENCODER))


@pytest.mark.slow
def test_reviewed_turns_move_the_voiceprint_towards_the_speaker(
    members: list[Member], session: SyntheticSession
) -> None:
    diarizer = get_diarizer("embedded", encoder=ENCODER)
    arben = next(m for m in members if m.name == "Arben Krasniqi")
    drita = next(m for m in members if m.name == "Drita Gashi")
    assert arben.voiceprint is not None and drita.voiceprint is not None
    reviewed = [t for t in spoken_turns(session) if t.speaker == "Arben Krasniqi"]
    learned = voiceprint_from_turns(
        read_wav(session.path),
        [SpeakerTurn(t.start_s, t.end_s, "S1") for t in reviewed],
        diarizer,
    )

    # Wrongly enrolled with Drita's voice, then corrected from Arben's reviewed turns.
    start = Voiceprint(drita.voiceprint, 20.0)
    moved = updated_voiceprint(start, learned)

    assert learned.speech_s == pytest.approx(sum(t.end_s - t.start_s for t in reviewed), abs=0.01)
    assert float(moved.embedding @ arben.voiceprint) > float(start.embedding @ arben.voiceprint)
    assert moved.speech_s == pytest.approx(20.0 + learned.speech_s)
    assert abs(float(np.linalg.norm(moved.embedding)) - 1.0) < 1e-5


def test_a_print_of_the_wrong_size_is_skipped_not_fatal() -> None:
    """A row labelled d-vector that holds a 192-dim vector (written wrongly) names nobody, and
    the other members are still named."""
    good = np.zeros(256, dtype=np.float32)
    good[3] = 1.0
    wrong = np.zeros(192, dtype=np.float32)
    wrong[0] = 1.0
    members = [
        Member("a", "x", "A", voiceprint=wrong, voice_space="dvector"),
        Member("b", "x", "B", voiceprint=good, voice_space="dvector"),
    ]
    assert identify_speakers({"S1": good}, members, voice_space="dvector") == {"S1": "b"}
    assert identify_speakers({"S1": good}, members[:1], voice_space="dvector") == {}


def test_a_print_of_another_size_is_replaced_when_learning() -> None:
    old = Voiceprint(np.ones(256, dtype=np.float32) / 16.0, 40.0)
    reviewed = Voiceprint(np.ones(192, dtype=np.float32) / np.sqrt(192), 12.0)
    learned = updated_voiceprint(old, reviewed)
    assert learned.embedding.shape == (192,) and learned.speech_s == 12.0


def test_a_voice_sample_of_two_people_is_refused_and_one_person_is_not(tmp_path: Path) -> None:
    # Two MPs of the ParlaSpeech 4-people report set, 12 s each: the chair and the member on
    # one recording would make a print of neither.
    first = read_wav(eval_path(TWO_MPS[0]))[: 12 * 16_000]
    second = read_wav(eval_path(TWO_MPS[1]))[: 12 * 16_000]
    both, alone = tmp_path / "both.wav", tmp_path / "alone.wav"
    soundfile.write(both, np.concatenate([first, second]), 16_000)
    soundfile.write(alone, read_wav(eval_path(TWO_MPS[0])), 16_000)
    diarizer = get_diarizer("embedded")  # the default d-vector

    with pytest.raises(MediaError, match=r"both.wav sounds like more than one person"):
        enrol_voice(both, diarizer)
    assert enrol_voice(alone, diarizer).speech_s >= 10.0
