"""Fixtures of the browser tests: Debian's Chromium, and a generated site served over HTTP.

The site is served by Starlette's ``StaticFiles`` under uvicorn on 127.0.0.1, because seeking
an ``<audio>`` element needs HTTP Range requests (a server without them makes ``currentTime``
snap back to 0).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kuvend.domain import Member
from kuvend.minutes import Minutes
from publish import build_minutes
from publish.revisions import set_agenda
from publish.site import SiteAssembly, SiteSession, SiteVersion, build_site
from publish.static_search import build_static_search
from publish.versions import freeze
from tests.publish.factories import ANA, MARKO, SESSION, segment
from tests.utils.speech import ScriptedTurn, require_tools, synthesize_session

CHROMIUM = Path("/usr/bin/chromium")
XSS = "<script>alert(1)</script>"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless, no browser download (see DESIGN.md)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replaces pytest-base-url's fixture, which warns under pytest 9 (warnings are errors).

    The tests open full URLs of the site they serve.
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """axe-core is injected as a script, which the pages' strict CSP would refuse."""
    return {**browser_context_args, "bypass_csp": True}


@dataclass(frozen=True)
class ServedSite:
    """A generated site being served: its base URL, folder and the session shown."""

    url: str
    root: Path
    minutes: Minutes

    def session_url(self, language: str = "en") -> str:
        """The published session's page in ``language``."""
        session = self.minutes.session
        return f"{self.url}/{session.assembly}/{session.id}/index.{language}.html"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _recorded_minutes(workdir: Path) -> tuple[Minutes, Path]:
    """A real two-voice recording (espeak-ng, then Opus) and minutes of its exact turns."""
    require_tools()
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    turns = [
        ScriptedTurn("A", "sq", "Mirëdita, e hap seancën e Kuvendit Komunal.", "sq+m3"),
        ScriptedTurn("B", "sr", "Hvala, imam pitanje o budžetu opštine.", "sr+f3"),
        ScriptedTurn("A", "sq", "Faleminderit, kalojmë te pika e parë.", "sq+m3"),
        ScriptedTurn("B", "sr", "Predlažem da se budžet za škole poveća.", "sr+f3"),
    ]
    session = synthesize_session(turns, workdir / "session.wav", pause_s=0.6)
    recording = workdir / "recording.ogg"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(session.path),
         "-c:a", "libopus", "-b:a", "32k", str(recording)],
        check=True,
    )  # fmt: skip
    labels = {"A": "S1", "B": "S2"}
    segments = [
        segment(turn.start_s, turn.end_s, labels[turn.speaker], turn.text, turn.language)
        for turn in session.turns
    ]
    # The third line is markup a reviewer might have pasted: it must show as text.
    segments[2] = segment(segments[2].start_s, segments[2].end_s, "S1", XSS)
    # The second line is marked as two voices at once: axe checks the mark as well.
    segments[1] = replace(segments[1], overlap=True)
    speakers: dict[str, Member | None] = {"S1": ANA, "S2": MARKO}
    minutes = build_minutes(SESSION, segments, speakers=speakers, duration_s=session.duration_s)
    minutes = set_agenda(
        minutes, [(0.0, "Hapja e seancës"), (session.turns[2].start_s, "Buxheti")], user_id=None
    ).minutes
    return minutes, recording


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The published sample session's site, served on 127.0.0.1 for the module's tests."""
    workdir = tmp_path_factory.mktemp("browser-site")
    minutes, recording = _recorded_minutes(workdir)
    frozen = freeze(minutes, version=1)
    version = SiteVersion(frozen.minutes, frozen.sha256, datetime(2024, 3, 15, 10, tzinfo=UTC))
    assembly = SiteAssembly(
        SESSION.assembly,
        "Kuvendi Komunal i Prishtinës",
        [SiteSession([version], recording=recording)],
    )
    root = workdir / "site"
    build_site([assembly], root, base_url="http://127.0.0.1", builders=[build_static_search])
    port = _free_port()
    app = Starlette(routes=[Mount("/", app=StaticFiles(directory=root, html=True))])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start serving the site within 10 s")
        time.sleep(0.05)
    yield ServedSite(f"http://127.0.0.1:{port}", root, frozen.minutes)
    server.should_exit = True
    thread.join(timeout=10)
