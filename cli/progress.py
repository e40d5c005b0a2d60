"""A terminal progress display fed by stage hooks: one bar per stage, with elapsed time."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from kuvend.progress import StepProgress


class StageBars:
    """Context manager whose ``hook`` turns ``StepProgress`` reports into rich progress bars.

    On a terminal that is not interactive (CI, a pipe) rich prints nothing animated, so logs stay
    readable. The display starts with the first report, so a command that fails before any
    progress prints its one-line error alone.
    """

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started = False

    def __enter__(self) -> StageBars:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._started:
            self._progress.stop()

    def hook(self, step: str, artefact: Any) -> None:
        """Stage hook: advances the bar of ``artefact.stage`` when given a ``StepProgress``."""
        if not isinstance(artefact, StepProgress):
            return
        if not self._started:
            self._progress.start()
            self._started = True
        task = self._tasks.get(artefact.stage)
        if task is None:
            task = self._progress.add_task(artefact.stage, total=artefact.total, detail="")
            self._tasks[artefact.stage] = task
        self._progress.update(
            task, completed=artefact.done, total=artefact.total, detail=artefact.detail
        )
