"""``kuvend worker``: a Celery worker for the gpu or cpu queue; and what ``kuvend process
--queue`` uses to submit a session to the workers and show its progress."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import logs
from cli.app import app
from kuvend.config import Settings, get_settings
from kuvend.errors import PipelineError
from kuvend.minutes import Minutes
from kuvend.storage.chunks import SessionProgress

if TYPE_CHECKING:
    from workers.runner import ProcessRequest, ProcessResult

_QUEUES = ("gpu", "cpu")


@app.command()
def worker(
    queues: Annotated[
        str,
        typer.Option(help="Queues to work on: gpu (transcription, diarization), cpu (the rest)."),
    ] = "cpu",
    concurrency: Annotated[
        int, typer.Option(min=1, help="Worker processes; 1 per GPU on the gpu queue.")
    ] = 1,
    loglevel: Annotated[str, typer.Option(help="Log level: debug, info, warning.")] = "info",
) -> None:
    """Start a Celery worker on Redis (KUVEND_REDIS_URL) for the given queues."""
    chosen = [name.strip() for name in queues.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(_QUEUES))
    if not chosen or unknown:
        raise typer.BadParameter(f"unknown queue {', '.join(unknown) or '(none)'}; use gpu or cpu")
    if loglevel.upper() not in logging.getLevelNamesMapping():
        raise typer.BadParameter(f"unknown log level {loglevel}; use debug, info or warning")
    # A worker's log is what its operator reads: Celery sets it up at --loglevel, writing to
    # the real standard error (it redirects sys.stderr into the log, so ours would loop).
    logs.leave_to_the_command()
    from workers.celery_app import app as celery_app  # reads KUVEND_* settings

    celery_app.worker_main(
        [
            "worker",
            f"--queues={','.join(chosen)}",
            f"--concurrency={concurrency}",
            "--prefetch-multiplier=1",
            f"--hostname={'-'.join(chosen)}@%h",
            f"--loglevel={loglevel}",
        ]
    )


def _describe(progress: SessionProgress) -> str:
    if progress.status == "queued":
        return "waiting for a worker"
    if progress.status == "failed":
        return f"failed: {progress.error}"
    if progress.finished:
        return progress.status
    if not progress.chunks:
        return "cutting into chunks"
    if progress.chunks_done == len(progress.chunks):
        return "speakers, statistics, minutes"
    stages = sorted({c.stage for c in progress.chunks if c.state == "running" and c.stage})
    return ", ".join(stages) or "queued"


def watch_session(
    *,
    settings: Settings,
    session_id: str,
    console: Console | None = None,
    timeout_s: float | None = None,
) -> SessionProgress:
    """Show a progress bar of the session's chunks until it is finished; returns how it ended.

    Raises ``PipelineError`` with the session's error if it failed.
    """
    from workers.submit import follow_session

    columns = (
        TextColumn("chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True)) as bar:
        task = bar.add_task("chunks", total=None, detail="submitted")
        for progress in follow_session(
            settings=settings, session_id=session_id, timeout_s=timeout_s
        ):
            bar.update(
                task,
                completed=progress.chunks_done,
                total=len(progress.chunks) or None,
                detail=_describe(progress),
            )
    if progress.status == "failed":
        raise PipelineError(progress.error or f"session {session_id} failed")
    return progress


def process_via_queue(
    request: ProcessRequest,
    *,
    settings: Settings | None = None,
    console: Console | None = None,
    timeout_s: float | None = None,
) -> ProcessResult:
    """``kuvend process --queue``: submit, follow the progress, then copy the minutes to OUT."""
    from workers.runner import ProcessResult
    from workers.submit import collect_outputs, submit_session

    settings = settings or get_settings()
    session_id = submit_session(settings=settings, **request.new_session())
    (console or Console(stderr=True, soft_wrap=True)).print(f"Session {session_id} queued.")
    watch_session(settings=settings, session_id=session_id, console=console, timeout_s=timeout_s)
    out_dir = collect_outputs(settings=settings, session_id=session_id, out_dir=request.out_dir)
    minutes = Minutes.model_validate_json((out_dir / "minutes.json").read_text())
    return ProcessResult(minutes=minutes, out_dir=out_dir, session_id=session_id)
