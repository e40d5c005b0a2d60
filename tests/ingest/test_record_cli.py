"""``kuvend record`` and ``kuvend stop`` as a user runs them, against an SRT stream on loopback."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest import probe_media
from kuvend.config import Settings
from kuvend.storage.chunks import load_chunks
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.sessions import SessionStatus, create_session, get_session
from kuvend.storage.tables import SessionRow
from tests.ingest.test_record import _SERVED, _ffmpeg_server
from tests.utils.streams import free_port


class _Recorder:
    """``kuvend record`` in a subprocess, its stderr collected line by line."""

    def __init__(self, url: str, *into: str) -> None:
        into = into or ("--assembly", "prishtine", "--title", "Seanca e jashtëzakonshme")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kuvend", "record", url, *into, "--chunk-seconds", "2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip())

    def session_id(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.startswith("Recording session "):
                    return line.split()[2]
            time.sleep(0.1)
        raise AssertionError(f"no session id in {self.lines}")

    def wait(self) -> int:
        # The recorder processes its chunks before it exits (models load, then each chunk).
        code = self.process.wait(300)
        self._reader.join(5)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return code


def _kuvend(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kuvend", *arguments], capture_output=True, text=True, timeout=60
    )


def _check_recorded(settings: Settings, session_id: str) -> None:
    url = settings.resolved_database_url
    with session_scope(url) as db:
        row = db.scalars(select(SessionRow).where(SessionRow.id == session_id)).one()
        assert (row.status, row.assembly_slug, row.title) == (
            "draft", "prishtine", "Seanca e jashtëzakonshme"
        )  # fmt: skip
        chunks = load_chunks(session=db, session_id=session_id)
    assert len(chunks) >= 2
    assert chunks[0].offset_s == 0.0
    for before, after in itertools.pairwise(chunks):
        assert after.offset_s == pytest.approx(before.end_s)
        assert before.path.exists()
    assert row.duration_s == pytest.approx(chunks[-1].end_s, abs=1e-3)
    player = probe_media(settings.data_dir / "sessions" / session_id / "audio.m4a")
    assert player.audio_codec == "aac"
    assert player.duration_s == pytest.approx(row.duration_s, abs=0.2)


@pytest.mark.slow
def test_kuvend_stop_stops_a_running_recorder(settings: Settings, speech: Path) -> None:
    port = free_port()
    output, url = _SERVED["srt"](port)
    with _ffmpeg_server(speech, *output):
        recorder = _Recorder(url)
        session_id = recorder.session_id()
        time.sleep(7)
        stopped = _kuvend("stop", session_id)
        assert stopped.returncode == 0, stopped.stderr
        assert recorder.wait() == 0, recorder.lines
    assert any("ready for review" in line for line in recorder.lines), recorder.lines
    _check_recorded(settings, session_id)
    again = _kuvend("stop", session_id)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"kuvend: error: session {session_id} is not being recorded (it is draft)"
    )


@pytest.mark.slow
def test_ctrl_c_stops_the_recorder_and_keeps_the_recording(
    settings: Settings, speech: Path
) -> None:
    port = free_port()
    output, url = _SERVED["srt"](port)
    with _ffmpeg_server(speech, *output):
        recorder = _Recorder(url)
        session_id = recorder.session_id()
        time.sleep(7)
        recorder.process.send_signal(signal.SIGINT)
        assert recorder.wait() == 0, recorder.lines
    _check_recorded(settings, session_id)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("srt://127.0.0.1:{port}?mode=caller", "Input/output error"),
        # ffmpeg's last line would be "Input/output error" here too; the line before says why.
        ("srt://no-such-host.invalid:{port}?mode=caller", "Failed to resolve hostname"),
    ],
    ids=["nobody-listening", "unknown-host"],
)
def test_a_stream_nobody_serves_says_why_it_is_retrying(
    settings: Settings, address: str, reason: str
) -> None:
    url = address.format(port=free_port())
    recorder = _Recorder(url)
    session_id = recorder.session_id()
    time.sleep(6)  # a few failed attempts
    assert _kuvend("stop", session_id).returncode == 0
    assert recorder.wait() == 2
    # Without -v, and in a pipe too: why it is retrying, once, and why nothing was recorded.
    retries = [line for line in recorder.lines if line.startswith("retrying: ")]
    assert len(retries) == 1 and retries[0].startswith(f"retrying: the stream failed: {reason}")
    assert url not in retries[0]
    assert recorder.lines[-1] == (
        f"kuvend: error: nothing was recorded from {url} (stopped; the last attempt: "
        f"{retries[0].removeprefix('retrying: ')})"
    )


def test_a_stream_without_audio_says_so(settings: Settings, tmp_path: Path) -> None:
    video = tmp_path / "video-only.ts"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
         "-t", "30", "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", str(video)],
        check=True,
    )  # fmt: skip
    port = free_port()
    with _ffmpeg_server(video, "-c", "copy", "-f", "mpegts", f"udp://127.0.0.1:{port}"):
        recorder = _Recorder(f"udp://127.0.0.1:{port}")
        session_id = recorder.session_id()
        time.sleep(5)
        assert _kuvend("stop", session_id).returncode == 0
        assert recorder.wait() == 2
    assert "retrying: the stream failed: it has no audio" in recorder.lines
    assert recorder.lines[-1].endswith(
        "(stopped; the last attempt: the stream failed: it has no audio)"
    )


def test_stop_of_an_unknown_session_is_a_one_line_error(settings: Settings) -> None:
    result = _kuvend("stop", "nosuchsession")
    assert result.returncode == 2
    assert result.stderr.strip() == "kuvend: error: no session nosuchsession"


def _scheduled(settings: Settings, status: SessionStatus = "scheduled") -> str:
    migrate(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as db:
        return create_session(
            session=db,
            assembly="prishtine",
            title="Seanca e jashtëzakonshme",
            date=date(2025, 3, 14),
            status=status,
        ).id


@pytest.mark.slow
def test_record_into_a_session_scheduled_beforehand(settings: Settings, speech: Path) -> None:
    session_id = _scheduled(settings)
    port = free_port()
    output, url = _SERVED["srt"](port)
    with _ffmpeg_server(speech, *output):
        recorder = _Recorder(url, "--session", session_id)
        assert recorder.session_id() == session_id
        time.sleep(7)
        assert _kuvend("stop", session_id).returncode == 0
        assert recorder.wait() == 0, recorder.lines
    _check_recorded(settings, session_id)


def test_only_a_scheduled_session_can_be_recorded_into(settings: Settings) -> None:
    session_id = _scheduled(settings, "draft")
    result = _kuvend("record", "srt://127.0.0.1:9?mode=caller", "--session", session_id)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"kuvend: error: session {session_id} can be recorded only when scheduled (it is draft)"
    )
    missing = _kuvend("record", "srt://127.0.0.1:9?mode=caller", "--session", "nosuchsession")
    assert missing.stderr.strip() == "kuvend: error: no session nosuchsession"
    neither = _kuvend("record", "srt://127.0.0.1:9?mode=caller")
    assert neither.returncode == 2 and "--assembly and --title" in neither.stderr
    with session_scope(settings.resolved_database_url) as db:
        assert get_session(session=db, session_id=session_id).status == "draft"
