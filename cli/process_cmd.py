"""``kuvend process`` and ``kuvend demo``: the whole pipeline on one file, in this process."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cli import checks
from cli.app import app
from cli.assemblies import DEMO, NewAssembly, check_new_session_assembly
from cli.logs import Verbose
from cli.output import plural
from cli.progress import StageBars
from kuvend import interrupts
from kuvend.config import get_settings
from kuvend.errors import ConfigError
from kuvend.minutes import Minutes
from kuvend.synthetic import ScriptedTurn, bilingual_dialogue, synthesize_session
from kuvend.text import fold_for_search
from kuvend.types import StageHook

_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def process(
    media: Annotated[Path, typer.Argument(help="Audio or video file of the session.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the minutes into.")] = Path(
        "out"
    ),
    assembly: Annotated[
        str, typer.Option(help="Assembly slug, e.g. prishtine.", callback=checks.slug)
    ] = DEMO,
    new_assembly: NewAssembly = False,
    title: Annotated[
        str | None, typer.Option(help="Session title (default: file name).", callback=checks.line)
    ] = None,
    languages: Annotated[
        str, typer.Option(help="Languages spoken, comma-separated ISO codes.")
    ] = "sq,sr",
    session_date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Session date, YYYY-MM-DD (default: today).", callback=checks.iso_date
        ),
    ] = None,
    audio_stream: Annotated[
        int | None,
        typer.Option(
            "--audio-stream",
            min=0,
            help="Audio stream to transcribe (0 = the first audio stream); "
            "by default the one with the most speech.",
        ),
    ] = None,
    accept_truncated: Annotated[
        bool,
        typer.Option(
            "--accept-truncated",
            help="Process a file that ends before its header says; the minutes say so.",
        ),
    ] = False,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue", help="Submit to the Celery workers (KUVEND_REDIS_URL) and follow it."
        ),
    ] = False,
    verbose: Verbose = 0,
) -> None:
    """Transcribe, diarize and write MEDIA's minutes into OUT.

    OUT receives minutes.json, minutes.srt, minutes.vtt, minutes.txt and index.html (the
    session page); the session is stored as a draft and indexed for `kuvend search`.
    """
    # The models: only when needed.
    from workers.runner import ProcessRequest, check_output_folder, process_media

    request = ProcessRequest(
        media=media,
        out_dir=out,
        assembly=assembly,
        title=title or media.stem,
        languages=checks.languages(languages),
        date=date.fromisoformat(session_date) if session_date else date.today(),
        audio_stream=audio_stream,
        accept_truncated=accept_truncated,
    )
    check_output_folder(out, settings=get_settings(), media=media)  # --queue's too
    # After every option is checked: this opens (or makes) the database.
    check_new_session_assembly(assembly, new_assembly=new_assembly)
    if queue:
        from cli.worker_cmd import process_via_queue

        result = process_via_queue(request, settings=get_settings(), console=_console)
    else:
        with StageBars(_console) as bars:
            result = process_media(request, settings=get_settings(), hook=_kept(bars.hook))
    for line in media_warnings(result.minutes):
        _console.print(f"kuvend: warning: {line}")
    if not result.minutes.segments:
        _console.print(f"kuvend: warning: no speech found in {media}: the minutes are empty")
    _console.print(
        f"Minutes of [bold]{request.title}[/bold]: {_counts(result.minutes)}.\n"
        f"{_attention_lines(result.minutes)}"
        f"Session page: {result.out_dir.resolve() / 'index.html'}\n"
        f"Session id:   {result.session_id} (kuvend sessions show, kuvend publish)"
    )


def _kept(hook: StageHook) -> StageHook:
    """``hook``; and once the minutes are saved, SIGINT and SIGTERM are ignored: the work is
    done and kept, and a stop while the summary prints must not report it interrupted."""

    def kept(step: str, artefact: Any) -> None:
        if step == "saved":
            interrupts.ignore_stops()
        hook(step, artefact)

    return kept


def _counts(minutes: Minutes) -> str:
    """``12 segments, 2 speakers``."""
    return f"{plural(len(minutes.segments), 'segment')}, {plural(len(minutes.speakers), 'speaker')}"


def _attention_lines(minutes: Minutes) -> str:
    """The lines on speech flagged for review and on overlapped speech, each ending in a
    newline; nothing when there is neither."""
    flagged = minutes.flagged_speech()
    lines = ""
    if flagged.segments:
        lines += (
            f"Flagged for review: {flagged.seconds:.1f} s of speech in "
            f"{plural(flagged.segments, 'segment')} with no trustworthy text (gaps to fill on "
            "the page).\n"
        )
    overlapped = sum(segment.overlap for segment in minutes.segments)
    if overlapped:
        lines += (
            f"Two people at once: {plural(overlapped, 'segment')} (marked on the page; the "
            "text may miss one of them).\n"
        )
    return lines


def media_warnings(minutes: Minutes) -> list[str]:
    """What the operator should know about the source: unused audio streams, a truncation."""
    lines = []
    streams = minutes.session.audio_streams
    used = next((stream for stream in streams if stream.used), None)
    if used is not None and len(streams) > 1:
        unused = ", ".join(
            f"a:{stream.index} ({stream.speech_s or 0:.0f} s of speech)"
            for stream in streams
            if not stream.used
        )
        lines.append(
            f"{len(streams)} audio streams: transcribed a:{used.index} "
            f"({used.speech_s or 0:.0f} s of speech); not used: {unused} "
            "(choose with --audio-stream N)"
        )
    if used is not None and used.channel:
        name = {"FC": "centre", "FL": "left", "FR": "right"}.get(used.channel, used.channel)
        lines.append(f"transcribed only the {name} channel of audio stream a:{used.index}")
    if minutes.session.truncated:
        cut = minutes.session.truncated
        lines.append(
            f"the file is truncated: its header says {cut.stated_s:.1f} s, its audio ends at "
            f"{cut.decoded_s:.1f} s; the minutes cover what there is"
        )
    return lines


@app.command()
def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for the demo session (default: demo/ in the data folder)."
        ),
    ] = None,
    verbose: Verbose = 0,
) -> None:
    """Synthesise a short bilingual session (espeak-ng, two voices) and process it."""
    from workers.runner import ProcessRequest, check_output_folder, process_media

    settings = get_settings()
    out = out or settings.data_dir / "demo"
    # Only a new or empty folder, or an earlier demo's: it receives session.wav and minutes/.
    if out.is_dir() and any(out.iterdir()) and not (out / "minutes" / "minutes.json").is_file():
        raise ConfigError(
            f"{out} holds files that are not a Kuvend demo; choose a new or empty folder for --out"
        )
    check_output_folder(out / "minutes", settings=settings, media=out / "session.wav")
    out.mkdir(parents=True, exist_ok=True)
    script: list[ScriptedTurn] = bilingual_dialogue(6)
    _console.print("Synthesising a bilingual session with espeak-ng …")
    session = synthesize_session(script, out / "session.wav")
    request = ProcessRequest(
        media=session.path,
        out_dir=out / "minutes",
        assembly=DEMO,
        title="Seanca demonstruese / Demonstraciona sednica",
        languages=("sq", "sr"),
        date=date.today(),
    )
    with StageBars(_console) as bars:
        result = process_media(request, settings=settings, hook=_kept(bars.hook))
    example = _searchable_word(result.minutes, script)
    minutes = result.minutes
    _console.print(
        f"Processed {session.duration_s:.0f} s of audio into "
        f"{plural(len(minutes.segments), 'segment')} by "
        f"{plural(len(minutes.speakers), 'speaker')}.\n"
        f"{_attention_lines(minutes)}"
        f"Open the session page:  {result.out_dir.resolve() / 'index.html'}\n"
        f"Session id:             {result.session_id}\n"
        f"Publish it:             .venv/bin/kuvend publish {result.session_id}\n"
        f"Search what was said:   .venv/bin/kuvend search {example}\n"
        f"Serve the API and pages: .venv/bin/kuvend serve"
    )


def _searchable_word(minutes: Minutes, script: list[ScriptedTurn]) -> str:
    """A word to suggest searching for: the longest recognised word that was really spoken."""
    spoken = {
        fold_for_search(word.strip(".,;:!?")) for turn in script for word in turn.text.split()
    }
    recognised = [
        fold_for_search(word.strip(".,;:!?"))
        for segment in minutes.segments
        for word in segment.text.split()
    ]
    candidates = [word for word in recognised if word in spoken] or recognised or ["kuvendi"]
    return max(candidates, key=len)
