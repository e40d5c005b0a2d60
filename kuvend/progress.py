"""Progress reports a stage or the runner passes to its hook, for bars and for the database."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StepProgress:
    """``done`` of ``total`` units of ``stage`` are finished (chunks, or seconds of audio)."""

    stage: str
    done: float
    total: float
    detail: str = ""
