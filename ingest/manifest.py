"""What a recording produced, as a record and as ``recording.json`` beside the chunks."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kuvend.domain import AudioChunk, Gap


@dataclass(frozen=True, slots=True)
class RecordedPart:
    """One connection's original stream copy (MPEG-TS or Matroska), placed on the session clock."""

    path: Path
    offset_s: float
    """Session time of the part's first sample."""
    trim_s: float = 0.0
    """Leading seconds that repeat the previous part (a reconnect's buffered history)."""


@dataclass(frozen=True, slots=True)
class Recording:
    """Chunks, gaps and original parts of a recording; ``finished`` once it has stopped."""

    url: str
    started_at: datetime
    chunks: tuple[AudioChunk, ...]
    gaps: tuple[Gap, ...]
    parts: tuple[RecordedPart, ...]
    finished: bool = False
    stop_reason: str | None = None
    """Why it stopped: ``stopped`` (asked to), or what forced it (disk space)."""
    callback_errors: int = 0

    @property
    def duration_s(self) -> float:
        """Length of the session clock so far: recorded audio plus gaps."""
        ends = [c.end_s for c in self.chunks[-1:]] + [g.end_s for g in self.gaps[-1:]]
        return max(ends, default=0.0)

    @property
    def recorded_s(self) -> float:
        """Seconds of audio actually recorded (the session minus its gaps)."""
        return sum(chunk.duration_s for chunk in self.chunks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths relative to nothing: as they are)."""
        return {
            "url": self.url,
            "started_at": self.started_at.isoformat(),
            "finished": self.finished,
            "stop_reason": self.stop_reason,
            "callback_errors": self.callback_errors,
            "duration_s": self.duration_s,
            "chunks": [
                {
                    "index": c.index,
                    "path": str(c.path),
                    "offset_s": c.offset_s,
                    "duration_s": c.duration_s,
                }
                for c in self.chunks
            ],
            "gaps": [
                {"start_s": g.start_s, "end_s": g.end_s, "reason": g.reason} for g in self.gaps
            ],
            "parts": [
                {"path": str(p.path), "offset_s": p.offset_s, "trim_s": p.trim_s}
                for p in self.parts
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recording:
        """Inverse of :meth:`to_dict`."""
        return cls(
            url=data["url"],
            started_at=datetime.fromisoformat(data["started_at"]),
            chunks=tuple(
                AudioChunk(c["index"], Path(c["path"]), c["offset_s"], c["duration_s"])
                for c in data["chunks"]
            ),
            gaps=tuple(Gap(g["start_s"], g["end_s"], g["reason"]) for g in data["gaps"]),
            parts=tuple(
                RecordedPart(Path(p["path"]), p["offset_s"], p["trim_s"]) for p in data["parts"]
            ),
            finished=data["finished"],
            stop_reason=data["stop_reason"],
            callback_errors=data["callback_errors"],
        )


def write_manifest(recording: Recording, target: Path) -> None:
    """Write ``recording`` as JSON at ``target``, atomically (readers never see half a file)."""
    with tempfile.NamedTemporaryFile(
        "w", dir=target.parent, prefix=".recording-", suffix=".json", delete=False
    ) as handle:
        json.dump(recording.to_dict(), handle, indent=1)
    Path(handle.name).replace(target)


def read_manifest(path: Path) -> Recording:
    """The recording described by a ``recording.json``."""
    return Recording.from_dict(json.loads(path.read_text()))
