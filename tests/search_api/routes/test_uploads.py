"""Uploading a session's recording through the API (issue 5), on SQLite and PostgreSQL.

Bad files are refused with one line naming the user's file and leave nothing stored; the
size limit stops the upload while it streams (the app stops reading the body); an accepted
upload is kept under its hash and processed, with real ffmpeg and real models, in the
background of the API, and its progress reaches ``draft``. With ``KUVEND_PROCESSING=queue``
the session's first task lands on the real Redis, and an unreachable queue is a 503 that
leaves the session scheduled for another try.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kuvend.config import Settings
from kuvend.minutes import Minutes
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.tables import SessionRow
from tests.search_api.conftest import Api, make_api
from tests.utils.media import ffmpeg, tone, video_with_audio, video_without_audio
from tests.utils.speech import ALBANIAN_SENTENCES, speak

MAX_BYTES = 1024**2
MAX_DURATION_S = 20.0


@pytest.fixture
def upload_api(settings: Settings, database_url: str, corpus: list[Minutes]) -> Iterator[Api]:
    """The seeded API with small upload limits, on SQLite then PostgreSQL."""
    limits = {
        "database_url": database_url,
        "max_upload_bytes": MAX_BYTES,
        "max_duration_s": MAX_DURATION_S,
        "chunk_seconds": 5.0,
        "whisper_temperatures": (0.0,),
    }
    yield from make_api(settings.model_copy(update=limits), corpus)


@pytest.fixture
def scheduled_id(upload_api: Api) -> str:
    """A scheduled session of assembly A, waiting for its recording."""
    return schedule(upload_api)


def schedule(api: Api, title: str = "Seanca e jashtëzakonshme") -> str:
    response = api.client.post(
        "/api/v1/assemblies/prishtine/sessions",
        json={"title": title, "date": "2024-06-01"},
        headers=api.headers("secretariat_a"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload(
    api: Api, session_id: str, path: Path, name: str | None = None, role: str = "secretariat_a"
) -> Any:
    with path.open("rb") as handle:
        return api.client.post(
            f"/api/v1/assemblies/prishtine/sessions/{session_id}/media",
            files={"file": (name or path.name, handle, "application/octet-stream")},
            headers=api.headers(role),
        )


def stored_files(settings: Settings) -> list[Path]:
    """Everything in the media store and the upload staging folder."""
    folders = (settings.resolved_media_dir, settings.data_dir / "uploads")
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def session_status(api: Api, session_id: str) -> str:
    with session_scope(api.settings.resolved_database_url) as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        return row.status


def _text(folder: Path) -> Path:
    path = folder / "procesverbali.mp4"
    path.write_text("Procesverbali i seancës së kaluar\n" * 50)
    return path


def _empty(folder: Path) -> Path:
    path = folder / "bosh.mp4"
    path.write_bytes(b"")
    return path


def _cut_short(folder: Path) -> Path:
    whole = video_with_audio(folder / "whole.mp4", 4.0, faststart=True)
    path = folder / "e-prere.mp4"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return path


# (what the user sends, the name they give, the status, what the one-line error says)
BAD: dict[str, tuple[Callable[[Path], Path], str | None, int, str]] = {
    "text renamed .mp4": (_text, None, 422, "procesverbali.mp4 is not a media file"),
    "zero bytes": (_empty, None, 422, "bosh.mp4 is empty (0 bytes)"),
    "video without audio": (
        lambda f: video_without_audio(f / "pa-ze.mp4", 1.0),
        None,
        422,
        "pa-ze.mp4 has no audio stream",
    ),
    "cut short": (_cut_short, None, 422, "e-prere.mp4 is truncated: its header says"),
    "over-long": (
        lambda f: tone(f / "e-gjate.wav", MAX_DURATION_S + 2, rate_hz=8000),
        None,
        422,
        "e-gjate.wav is too long",
    ),
    "over-size": (lambda f: tone(f / "e-madhe.wav", 20.0), None, 413, "too large"),
    "../ in the name": (
        lambda f: tone(f / "ok.wav", 1.0),
        "../../etc/cron.d/x.wav",
        422,
        "looks like a path",
    ),
}


def test_bad_uploads_are_refused_with_one_line_and_nothing_stored(
    upload_api: Api, tmp_path: Path
) -> None:
    session_id = schedule(upload_api)
    failures = []
    for case, (make, name, status, says) in BAD.items():
        folder = tmp_path / case.replace(" ", "-").replace("/", "")
        folder.mkdir()
        response = upload(upload_api, session_id, make(folder), name)
        message = response.json()["error"]["message"]
        if response.status_code != status or says not in message or "\n" in message:
            failures.append(f"{case}: {response.status_code} {message!r}")
    assert not failures, "\n".join(failures)
    assert stored_files(upload_api.settings) == []
    assert session_status(upload_api, session_id) == "scheduled"


def test_uploads_need_a_multipart_file_and_a_scheduled_session(upload_api: Api) -> None:
    session_id = schedule(upload_api)
    path = f"/api/v1/assemblies/prishtine/sessions/{session_id}/media"
    headers = upload_api.headers("secretariat_a")
    raw = upload_api.client.post(path, content=b"RIFF....", headers=headers)
    assert raw.status_code == 415
    assert "multipart/form-data" in raw.json()["error"]["message"]
    wrong_field = upload_api.client.post(
        path, files={"audio": ("a.wav", b"RIFF", "audio/wav")}, headers=headers
    )
    assert wrong_field.status_code == 422
    assert "field 'file'" in wrong_field.json()["error"]["message"]
    # A session that already has its recording (a published one) takes no other.
    published = upload_api.client.post(
        "/api/v1/assemblies/prishtine/sessions/pr-2023/media",
        files={"file": ("a.wav", b"RIFF", "audio/wav")},
        headers=headers,
    )
    assert published.status_code == 409
    assert "scheduled" in published.json()["error"]["message"]
    assert stored_files(upload_api.settings) == []


async def _post_in_blocks(
    app: Any, path: str, headers: dict[str, str], blocks: int, block_bytes: int
) -> tuple[int, int]:
    """POST a multipart body of ``blocks`` blocks straight into the ASGI app; returns the
    status and how many body messages the app asked for before answering."""
    boundary = b"kuvendboundary"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="x.wav"'
        b"\r\nContent-Type: audio/wav\r\n\r\n"
    )
    read = 0
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        if read > blocks:
            return {"type": "http.disconnect"}
        body = head if read == 1 else b"\0" * block_bytes
        return {"type": "http.request", "body": body, "more_body": read < blocks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-type", b"multipart/form-data; boundary=" + boundary))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return status[0], read


def _run(function: Callable[..., Any], *args: Any) -> Any:
    # On a thread of its own: a browser test earlier in the run may leave a loop in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, function, *args).result()


def test_the_size_limit_stops_the_upload_while_it_streams(upload_api: Api) -> None:
    session_id = schedule(upload_api)
    path = f"/api/v1/assemblies/prishtine/sessions/{session_id}/media"
    headers = upload_api.headers("secretariat_a")
    block = 64 * 1024
    blocks = 100 * MAX_BYTES // block  # a body a hundred times the limit, sent without a length
    status, read = _run(_post_in_blocks, upload_api.client.app, path, headers, blocks, block)
    assert status == 413
    assert read <= MAX_BYTES // block + 3  # it stopped reading just past the limit
    # A declared length over the limit is refused before any of the body is read.
    too_long = {**headers, "Content-Length": str(10 * 1024**3)}
    status, read = _run(_post_in_blocks, upload_api.client.app, path, too_long, 2, block)
    assert (status, read) == (413, 0)
    assert stored_files(upload_api.settings) == []


_BOUNDARY = "kuvendboundary"


@st.composite
def _multipart_bodies(draw: st.DrawFn) -> bytes:
    """Bodies that are multipart-like: parts with odd headers, names and content, cut anywhere."""
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        disposition = draw(
            st.sampled_from(
                [
                    'form-data; name="file"; filename="{}"',
                    'form-data; name="file"',
                    'form-data; name="other"; filename="{}"',
                    "form-data; name=file; filename={}",
                    "attachment",
                    "",
                ]
            )
        ).format(draw(st.text(max_size=20)).replace('"', ""))
        content = draw(st.binary(max_size=512))
        parts.append(
            f"--{_BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode(
                "utf-8", "surrogatepass"
            )
            + content
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{_BOUNDARY}--\r\n".encode()
    return body[: draw(st.integers(0, len(body)))] if draw(st.booleans()) else body


@given(
    body=st.one_of(st.binary(max_size=1024), _multipart_bodies()),
    content_type=st.sampled_from(
        [
            f"multipart/form-data; boundary={_BOUNDARY}",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "application/octet-stream",
            "text/plain; charset=utf-8",
        ]
    ),
)
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_malformed_bodies_are_4xx_and_leave_nothing(
    upload_api: Api, scheduled_id: str, body: bytes, content_type: str
) -> None:
    response = upload_api.client.post(
        f"/api/v1/assemblies/prishtine/sessions/{scheduled_id}/media",
        content=body,
        headers={**upload_api.headers("secretariat_a"), "Content-Type": content_type},
    )
    assert response.status_code in {400, 413, 415, 422}, response.text
    assert set(response.json()) == {"error"}
    assert stored_files(upload_api.settings) == []


def test_an_outsider_uploads_nothing(upload_api: Api, tmp_path: Path) -> None:
    session_id = schedule(upload_api)
    sample = tone(tmp_path / "seanca.wav", 2.0)
    assert upload(upload_api, session_id, sample, role="anonymous").status_code == 401
    assert upload(upload_api, session_id, sample, role="journalist").status_code == 401
    assert upload(upload_api, session_id, sample, role="secretariat_b").status_code == 403
    assert stored_files(upload_api.settings) == []


def wait_for_progress(api: Api, session_id: str, timeout_s: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.client.get(
            f"/api/v1/sessions/{session_id}/progress", headers=api.headers("secretariat_a")
        )
        assert response.status_code == 200, response.text
        progress: dict[str, Any] = response.json()
        if progress["finished"]:
            return progress
        assert time.monotonic() < deadline, f"still {progress['status']}: {progress}"
        time.sleep(0.5)


def _speech(folder: Path) -> Path:
    """About eight seconds of Albanian speech, then a second of silence, as an Opus file."""
    wav = folder / "speech.wav"
    speak(" ".join(ALBANIAN_SENTENCES[:2]), "sq+m3", wav)
    opus = folder / "Seanca e 12 qershorit.ogg"
    ffmpeg("-i", str(wav), "-af", "apad=pad_dur=1", "-c:a", "libopus", str(opus))
    return opus


def test_an_upload_is_processed_in_the_background_into_a_draft(
    upload_api: Api, tmp_path: Path
) -> None:
    session_id = schedule(upload_api)
    recording = _speech(tmp_path)
    response = upload(upload_api, session_id, recording)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued"
    assert response.headers["Location"] == accepted["progress_url"]
    assert accepted["progress_url"] == f"/api/v1/sessions/{session_id}/progress"

    progress = wait_for_progress(upload_api, session_id)
    assert progress["status"] == "draft", progress
    assert progress["chunk_count"] == progress["chunks_done"] >= 2  # 5 s chunks
    assert {(c["state"], c["stage"], c["error"]) for c in progress["chunks"]} == {
        ("done", None, None)
    }
    segments = upload_api.client.get(
        f"/api/v1/sessions/{session_id}/segments", headers=upload_api.headers("secretariat_a")
    ).json()
    assert segments["count"] > 0
    assert all(
        0.0 <= s["start_s"] < s["end_s"] <= accepted["duration_s"] + 0.5 for s in segments["data"]
    )

    # The original is kept as sent, under its hash; the user's name is nowhere on disk.
    kept = [p for p in stored_files(upload_api.settings) if accepted["sha256"] in p.name]
    assert len(kept) == 1 and kept[0].suffix == ".ogg"
    assert kept[0].read_bytes() == recording.read_bytes()
    data_files = [p.name for p in upload_api.settings.data_dir.rglob("*")]
    assert not [name for name in data_files if "qershorit" in name]
    assert not (upload_api.settings.data_dir / "uploads").exists() or not any(
        (upload_api.settings.data_dir / "uploads").iterdir()
    )
    # The session has its recording now: a second upload is a conflict.
    assert upload(upload_api, session_id, recording).status_code == 409


@pytest.mark.services
def test_with_the_queue_an_upload_goes_to_the_workers(
    settings: Settings, postgres_url: str, redis_url: str, corpus: list[Minutes], tmp_path: Path
) -> None:
    config = settings.model_copy(
        update={"database_url": postgres_url, "processing": "queue", "redis_url": redis_url}
    )
    for api in make_api(config, corpus):
        session_id = schedule(api)
        response = upload(api, session_id, tone(tmp_path / "seanca.wav", 3.0))
        assert response.status_code == 202, response.text
        assert session_status(api, session_id) == "queued"
    # The first task of the session waits on the cpu queue for a worker.
    messages = redis.Redis.from_url(redis_url).lrange("cpu", 0, -1)
    tasks = [json.loads(message)["headers"] for message in messages]
    assert [(task["task"], task["argsrepr"]) for task in tasks] == [
        ("workers.tasks.ingest_session", repr((session_id,)))
    ]


def test_an_unreachable_queue_leaves_the_session_scheduled(
    settings: Settings, corpus: list[Minutes], tmp_path: Path
) -> None:
    closed_port = "redis://127.0.0.1:1/0"
    config = settings.model_copy(update={"processing": "queue", "redis_url": closed_port})
    migrate(config.resolved_database_url)
    for api in make_api(config, corpus):
        session_id = schedule(api)
        response = upload(api, session_id, tone(tmp_path / "seanca.wav", 3.0))
        assert response.status_code == 503
        assert "queue cannot be reached" in response.json()["error"]["message"]
        assert session_status(api, session_id) == "scheduled"
