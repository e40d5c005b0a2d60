"""``kuvend process`` in this process: a run that fails leaves no draft in the search index.

Real Whisper and ffmpeg on a short synthetic session; the stop is raised from the progress
hook, where a signal's ``KeyboardInterrupt`` would surface.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kuvend.config import Settings
from kuvend.progress import StepProgress
from kuvend.storage.db import session_scope
from kuvend.storage.index import open_index
from kuvend.storage.tables import SessionRow
from kuvend.synthetic import bilingual_dialogue, synthesize_session
from workers.runner import ProcessRequest, process_media


def test_a_run_stopped_after_indexing_its_draft_leaves_nothing_searchable(
    settings: Settings, tmp_path: Path
) -> None:
    # A fresh user's find: a signal just after "indexed 6 segments" left the session failed,
    # yet `kuvend search` still found its segments as a draft.
    media = synthesize_session(bilingual_dialogue(2), tmp_path / "session.wav").path
    config = settings.model_copy(update={"whisper_temperatures": (0.0,)})

    def stop_once_indexed(step: str, artefact: Any) -> None:
        if isinstance(artefact, StepProgress) and artefact.detail == "draft written and indexed":
            raise KeyboardInterrupt("SIGINT")

    request = ProcessRequest(
        media=media,
        out_dir=tmp_path / "minutes",
        assembly="prishtine",
        title="Seanca e ndalur",
        languages=("sq", "sr"),
        date=date(2025, 3, 14),
    )
    with pytest.raises(KeyboardInterrupt):
        process_media(request, settings=config, hook=stop_once_indexed)

    with session_scope(config.resolved_database_url) as db:
        [(session_id, status)] = db.execute(select(SessionRow.id, SessionRow.status)).all()
    assert status == "failed"
    assert open_index(config).remove_session(session_id) == 0  # nothing of it was left
    assert not request.out_dir.exists()
