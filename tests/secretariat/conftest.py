"""The secretariat's workspace served by ``kuvend serve``'s application on 127.0.0.1.

The real application (``create_app`` with the orchestration's ``PipelineActions``) on SQLite
and the SQLite search index, under uvicorn in a thread; Chromium comes from
``tests/publish/conftest.py``'s fixtures (Debian's /usr/bin/chromium, headless).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from kuvend.config import Settings
from search_api.app import create_app
from tests.publish.conftest import (  # noqa: F401 - the browser fixtures, shared
    base_url,
    browser_context_args,
    browser_type_launch_args,
)
from tests.secretariat.seed import seed_accounts, seed_session, segment, settings_for
from tests.utils.server import serving
from workers.actions import PipelineActions

SESSION_ID = "prishtine-2026-11-26"
TITLE = "Seanca e rregullt e nëntorit"
SEGMENTS = (
    segment(0.0, 6.0, "S1", "Mirëdita, e hap seancën e Kuvendit Komunal.", doubtful=(3,)),
    # Two voices at once (the mark is checked by axe and for its language).
    replace(
        segment(6.5, 12.0, "S2", "Hvala predsedavajuća, imam pitanje o budžetu.", "sr"),
        overlap=True,
    ),
    segment(12.5, 18.0, "S1", "Faleminderit, vazhdojmë me pikën e parë sot."),
    segment(18.5, 26.0, "S3", "Kam një propozim për rrugët në fshat dhe për shkollat."),
    segment(26.5, 30.0, "S3", "Ju faleminderit shumë."),
    segment(30.5, 36.0, "S2", "Srpska zajednica traži prevod svih dokumenata.", "sr"),
)


@dataclass(frozen=True)
class Workspace:
    """The served application: its URL and settings, and the seeded session."""

    url: str
    settings: Settings
    session_id: str = SESSION_ID

    def page(self, path: str) -> str:
        return f"{self.url}{path}"


def serve(settings: Settings) -> Iterator[str]:
    """Serve ``kuvend serve``'s application over ``settings`` until the generator closes."""
    with serving(create_app(settings, actions=PipelineActions(settings))) as url:
        yield url


def seeded(data_dir: Path) -> Settings:
    settings = settings_for(data_dir)
    seed_accounts(settings)
    seed_session(settings, SESSION_ID, SEGMENTS, title=TITLE, duration_s=37.0, audio=True)
    return settings


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh deployment with one processed draft, for a test that changes it."""
    settings = seeded(tmp_path / "data")
    for url in serve(settings):
        yield Workspace(url, settings)


@pytest.fixture(scope="module")
def shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One deployment for a module's tests that only read."""
    settings = seeded(tmp_path_factory.mktemp("workspace"))
    for url in serve(settings):
        yield Workspace(url, settings)
