"""The streaming captions of a session being recorded, shared between the recorder (which
writes them) and the API's event stream (which reads them), possibly in other processes.

Two files in the session's working folder, never part of the minutes:

- ``live-captions/committed.jsonl``: one line per committed word, appended and never changed;
  the line number (from 1) is the word's ``seq``, the stream's resumable cursor;
- ``live-captions/tentative.json``: the current tentative tail, replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from kuvend.config import Settings


@dataclass(frozen=True, slots=True)
class LiveWord:
    """A captioned word: seconds on the session clock, text as shown, its sentence's language."""

    start_s: float
    end_s: float
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class CommittedWord:
    """A committed word and its place in the session's committed text (1, 2, …)."""

    seq: int
    word: LiveWord


def captions_dir(settings: Settings, session_id: str) -> Path:
    """Folder of a session's live captions (inside its working folder)."""
    return settings.data_dir / "sessions" / session_id / "live-captions"


class CaptionLog:
    """Append-only committed words and the replaceable tentative tail, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._committed = folder / "committed.jsonl"
        self._tentative = folder / "tentative.json"

    def append(self, words: Sequence[LiveWord]) -> None:
        """Add committed words (one write per call, so a reader never sees half a line)."""
        if not words:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(asdict(word), ensure_ascii=False) + "\n" for word in words)
        with self._committed.open("a", encoding="utf-8") as handle:
            handle.write(lines)

    def set_tentative(self, words: Sequence[LiveWord]) -> None:
        """Replace the tentative tail (empty: none)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps([asdict(word) for word in words], ensure_ascii=False)
        descriptor, name = tempfile.mkstemp(dir=self.folder, prefix=".tentative-")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(payload)
        Path(name).replace(self._tentative)

    def committed_after(self, seq: int) -> list[CommittedWord]:
        """Committed words after the ``seq``-th (0: all), complete lines only."""
        try:
            data = self._committed.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = data[: data.rfind("\n") + 1].splitlines()
        return [
            CommittedWord(number, LiveWord(**json.loads(line)))
            for number, line in enumerate(lines[seq:], start=seq + 1)
        ]

    def tentative(self) -> list[LiveWord]:
        """The current tentative tail."""
        try:
            return [LiveWord(**item) for item in json.loads(self._tentative.read_text("utf-8"))]
        except FileNotFoundError:
            return []
