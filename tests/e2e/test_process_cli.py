"""End to end: ``kuvend process`` on a synthetic two-speaker bilingual session (issue 2).

The real Whisper base model, the real embedded diarizer, real ffmpeg, the real command line in
a subprocess. espeak-ng speech is robotic, so what is asserted is what the models can do with
it: who spoke, in which language, and that a recognised word can be found again by search.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import srt
import webvtt
from fastapi.testclient import TestClient

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.synthetic import SyntheticSession, bilingual_dialogue, synthesize_session
from kuvend.text import fold_for_search
from search_api.app import create_app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MODEL_CACHE = Path(os.environ.get("KUVEND_TEST_CACHE_DIR", "~/.cache/kuvend")).expanduser()


@dataclass(frozen=True)
class ProcessedSession:
    reference: SyntheticSession
    out_dir: Path
    minutes: Minutes
    env: dict[str, str]


def kuvend(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the ``kuvend`` command line as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessedSession]:
    work = tmp_path_factory.mktemp("e2e")
    reference = synthesize_session(bilingual_dialogue(6), work / "session.wav")
    env = {
        **os.environ,
        "KUVEND_DATA_DIR": str(work / "data"),
        "KUVEND_CACHE_DIR": str(MODEL_CACHE),
    }
    for key in ("KUVEND_DATABASE_URL", "KUVEND_MEDIA_DIR", "KUVEND_SITE_DIR"):
        env.pop(key, None)
    out_dir = work / "minutes"
    result = kuvend(
        "process",
        str(reference.path),
        "--out",
        str(out_dir),
        "--assembly",
        "test-e2e",
        "--title",
        "Seanca e provës",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert str(out_dir / "index.html") in result.stderr.replace("\n", "")
    minutes = Minutes.model_validate_json((out_dir / "minutes.json").read_text())
    # The id the other commands take, whole on one line although stderr is not a terminal.
    assert f"Session id:   {minutes.session.id} " in result.stderr.splitlines()[-1] + " "
    # The summary in plain words; the flagged line only when something is flagged; the
    # stages' log warnings (decoding again, …) only with -v.
    segments, speakers = len(minutes.segments), len(minutes.speakers)
    assert (
        f"{segments} segment{'s' * (segments != 1)}, {speakers} speaker{'s' * (speakers != 1)}."
        in result.stderr
    )
    assert ("Flagged for review" in result.stderr) == any(s.flag for s in minutes.segments)
    assert ("Two people at once" in result.stderr) == any(s.overlap for s in minutes.segments)
    assert "WARNING" not in result.stderr and " again: " not in result.stderr, result.stderr
    yield ProcessedSession(reference, out_dir, minutes, env)


def majority_speaker(minutes: Minutes, start_s: float, end_s: float) -> str | None:
    """The hypothesis speaker with the most word time inside [start_s, end_s]."""
    time_by_speaker: Counter[str] = Counter()
    for segment in minutes.segments:
        for word in segment.words:
            overlap = min(word.end, end_s) - max(word.start, start_s)
            if overlap > 0 and segment.speaker is not None:
                time_by_speaker[segment.speaker] += overlap
    return time_by_speaker.most_common(1)[0][0] if time_by_speaker else None


def turn_language(minutes: Minutes, start_s: float, end_s: float) -> str | None:
    """The language of the segments overlapping a reference turn the most."""
    time_by_language: Counter[str] = Counter()
    for segment in minutes.segments:
        overlap = min(segment.end, end_s) - max(segment.start, start_s)
        if overlap > 0:
            time_by_language[segment.language] += overlap
    return time_by_language.most_common(1)[0][0] if time_by_language else None


def test_every_output_is_written(processed: ProcessedSession) -> None:
    names = {path.name for path in processed.out_dir.iterdir()}
    assert {"minutes.json", "minutes.srt", "minutes.vtt", "minutes.txt", "index.html"} <= names
    assert not [path for path in processed.out_dir.parent.iterdir() if path.name.startswith(".")]
    # A web server, another user, serves these: the folder was 0700 (tempfile's).
    assert stat.S_IMODE(processed.out_dir.stat().st_mode) == 0o755
    for path in processed.out_dir.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path


def test_minutes_follow_the_contract(processed: ProcessedSession) -> None:
    raw = json.loads((processed.out_dir / "minutes.json").read_text())
    assert set(raw) >= {"session", "speakers", "segments"}
    session = processed.minutes.session
    assert session.status == "draft"
    assert session.assembly == "test-e2e"
    assert session.duration_s == pytest.approx(processed.reference.duration_s, abs=0.1)
    starts = [segment.start for segment in processed.minutes.segments]
    assert starts == sorted(starts)
    for segment in processed.minutes.segments:
        assert 0.0 <= segment.start < segment.end <= session.duration_s + 0.01
        assert segment.words, f"segment {segment.id} has no word timestamps"


def test_two_speakers_each_turn_consistently_attributed(processed: ProcessedSession) -> None:
    assert len(processed.minutes.speakers) == 2
    assigned: dict[str, str | None] = {}
    for turn in processed.reference.turns:
        speaker = majority_speaker(processed.minutes, turn.start_s, turn.end_s)
        assert speaker is not None, f"no words recognised in turn at {turn.start_s:.1f} s"
        assert assigned.setdefault(turn.speaker, speaker) == speaker, (
            f"{turn.speaker}'s turn at {turn.start_s:.1f} s went to {speaker}, "
            f"earlier turns to {assigned[turn.speaker]}"
        )
    assert assigned["chair"] != assigned["councillor"]


def test_each_turn_in_the_language_spoken(processed: ProcessedSession) -> None:
    for turn in processed.reference.turns:
        language = turn_language(processed.minutes, turn.start_s, turn.end_s)
        assert language == turn.language, f"turn at {turn.start_s:.1f} s: {language}"


def test_subtitles_parse(processed: ProcessedSession) -> None:
    cues = list(srt.parse((processed.out_dir / "minutes.srt").read_text()))
    assert len(cues) == len(processed.minutes.segments)
    vtt = webvtt.read(str(processed.out_dir / "minutes.vtt"))
    assert len(vtt.captions) == len(processed.minutes.segments)
    assert cues[0].start.total_seconds() == pytest.approx(
        processed.minutes.segments[0].start, abs=0.01
    )


def test_search_finds_a_spoken_word_without_accents(processed: ProcessedSession) -> None:
    spoken = {
        fold_for_search(word).strip(".,;:!?")
        for turn in processed.reference.turns
        for word in turn.text.split()
    }
    recognised = [
        (segment, fold_for_search(word.word).strip(" .,;:!?"))
        for segment in processed.minutes.segments
        for word in segment.words
    ]
    found = [(segment, word) for segment, word in recognised if word in spoken and len(word) > 3]
    assert found, "the model recognised none of the spoken words"
    segment, word = max(found, key=lambda pair: len(pair[1]))
    result = kuvend("search", word, "--json", env=processed.env)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert any(hit["segment_id"] == segment.id for hit in hits), (word, hits)


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Each bad input as (media, out_dir); out_dir must not appear."""
    not_media = folder / "minutes.mp4"
    not_media.write_text("this is not a video")
    empty = folder / "empty.wav"
    empty.touch()
    video_only = folder / "video-only.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5",
            "-t",
            "2",
            "-an",
            str(video_only),
        ],
        check=True,
    )
    good = folder / "speech.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            str(good),
        ],
        check=True,
    )
    blocker = folder / "a-file"
    blocker.write_text("not a folder")
    return {
        "not media": (not_media, folder / "out1"),
        "empty file": (empty, folder / "out2"),
        "no audio stream": (video_only, folder / "out3"),
        "missing path": (folder / "nowhere.wav", folder / "out4"),
        "unwritable output": (good, blocker / "out5"),
    }


@pytest.mark.parametrize(
    "case", ["not media", "empty file", "no audio stream", "missing path", "unwritable output"]
)
def test_bad_input_is_one_line_and_leaves_nothing(
    processed: ProcessedSession, tmp_path: Path, case: str
) -> None:
    media, out_dir = _bad_inputs(tmp_path)[case]
    result = kuvend("process", str(media), "--out", str(out_dir), env=processed.env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kuvend: error:"), result.stderr
    assert not out_dir.exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_a_folder_of_someone_elses_files_is_never_replaced(
    processed: ProcessedSession, tmp_path: Path
) -> None:
    # A fresh user gave --out a folder of their own files: the minutes replaced the folder and
    # the files were gone. `--out .` ran the whole pipeline, then could not rename the folder.
    media, _ = _bad_inputs(tmp_path)["unwritable output"]
    mine = tmp_path / "thesis"
    (mine / "chapters").mkdir(parents=True)
    (mine / "thesis.txt").write_text("four years of work")
    (mine / "chapters" / "one.txt").write_text("notes")
    before = kuvend("sessions", "list", "--json", env=processed.env).stdout

    refused = kuvend("process", str(media), "--out", str(mine), env=processed.env)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"kuvend: error: {mine} holds files that are not Kuvend minutes (no minutes.json); "
        "the minutes replace the whole folder: choose a new or empty folder for --out"
    ]
    assert (mine / "thesis.txt").read_text() == "four years of work"
    assert (mine / "chapters" / "one.txt").read_text() == "notes"

    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "minutes.json").write_text("{}")
    here = subprocess.run(
        [sys.executable, "-m", "kuvend", "process", str(media), "--out", "."],
        cwd=earlier, env=processed.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert here.returncode == 2, here.stderr
    assert "holds the current folder; choose another --out" in here.stderr
    assert (earlier / "minutes.json").read_text() == "{}"

    # A second fresh user: a new --out above the data folder took the data folder with it
    # (the original media and the database's files); a symlink was replaced, not followed;
    # the media file inside --out was deleted; and --queue merged into any folder.
    data = Path(processed.env["KUVEND_DATA_DIR"])
    link = tmp_path / "link"
    link.symlink_to(mine)
    inside = earlier / "session.wav"
    inside.write_bytes(media.read_bytes())
    for arguments, says in (
        ([str(media), "--out", str(data.parent)], "it holds the data folder"),
        ([str(media), "--out", str(link)], "it is a symbolic link"),
        ([str(inside), "--out", str(earlier)], "it holds the media file"),
        ([str(media), "--out", str(mine), "--queue"], "holds files that are not Kuvend minutes"),
    ):
        refused = kuvend("process", *arguments, env=processed.env)
        assert refused.returncode == 2, (arguments, refused.stderr)
        assert len(refused.stderr.splitlines()) == 1 and says in refused.stderr, refused.stderr
    assert inside.exists() and (mine / "thesis.txt").exists() and (data / "media").is_dir()
    # Refused before any work: no session was registered.
    assert kuvend("sessions", "list", "--json", env=processed.env).stdout == before


def test_silence_gives_empty_minutes_not_invented_text(
    processed: ProcessedSession, tmp_path: Path
) -> None:
    quiet = tmp_path / "quiet.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=sample_rate=16000:channel_layout=mono",
            "-t",
            "20",
            str(quiet),
        ],
        check=True,
    )
    result = kuvend("process", str(quiet), "--out", str(tmp_path / "out"), env=processed.env)
    assert result.returncode == 0, result.stderr
    assert "no speech" in result.stderr
    assert "0 segments, 0 speakers." in result.stderr
    assert "Flagged for review" not in result.stderr
    minutes = Minutes.model_validate_json((tmp_path / "out" / "minutes.json").read_text())
    assert minutes.segments == []
    assert minutes.speakers == []


def test_a_finished_session_shows_every_chunk_done(processed: ProcessedSession) -> None:
    # kuvend process wrote no chunk state: a finished session read "0 of 2 chunks done",
    # and /progress said finished with every chunk queued.
    session_id = processed.minutes.session.id
    shown = kuvend("sessions", "show", session_id, "--json", env=processed.env)
    assert shown.returncode == 0, shown.stderr
    progress = json.loads(shown.stdout)["progress"]
    assert progress["chunk_count"] >= 1
    assert progress["chunks_done"] == progress["chunk_count"]
    assert {chunk["state"] for chunk in progress["chunks"]} == {"done"}
    text = kuvend("sessions", "show", session_id, env=processed.env).stdout
    count = progress["chunk_count"]
    assert f"{count} of {count} chunks done" in text

    env = {**processed.env, "KUVEND_NEW_USER_PASSWORD": "a long enough password"}
    added = kuvend("users", "add", "clerk@example.org", "--assembly", "test-e2e", env=env)
    assert added.returncode == 0, added.stderr
    settings = Settings(data_dir=Path(processed.env["KUVEND_DATA_DIR"]))
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={"username": "clerk@example.org", "password": "a long enough password"},
        ).json()["access_token"]
        answer = client.get(
            f"/api/v1/sessions/{session_id}/progress",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    assert answer["finished"] and answer["status"] == "draft"
    assert answer["chunks_done"] == answer["chunk_count"] == count
    assert [chunk["state"] for chunk in answer["chunks"]] == ["done"] * count


def test_publishing_puts_the_session_on_the_public_site(processed: ProcessedSession) -> None:
    site = Path(processed.env["KUVEND_DATA_DIR"]) / "site"
    session_id = processed.minutes.session.id
    assert not list(site.rglob(f"*{session_id}*")), "a draft reached the public site"
    result = kuvend("publish", session_id, env=processed.env)
    assert result.returncode == 0, result.stderr
    assert "Published version 1" in result.stdout
    page = site / "test-e2e" / session_id / "index.html"
    assert page.exists()
    first_words = processed.minutes.segments[0].text.split()[:2]
    assert " ".join(first_words) in page.read_text()
