"""Exports of the minutes: JSON (the contract), SRT, WebVTT, plain text, DOCX, Akoma Ntoso.

Subtitles go through the ``srt`` and ``webvtt-py`` libraries rather than hand-made strings,
so that their escaping and time formats are the formats' own.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import srt
import webvtt

from kuvend.export_formats import EXPORT_FILES, ExportFormat
from kuvend.minutes import Minutes
from publish.akoma_ntoso import minutes_akn
from publish.docx_export import minutes_docx
from publish.files import write_atomically
from publish.formatting import (
    clock,
    clock_ms,
    published_text,
    speaker_name,
    speakers_by_id,
    speeches,
)

log = logging.getLogger(__name__)


def minutes_json(minutes: Minutes) -> str:
    """The ``minutes.json`` text."""
    return minutes.to_json() + "\n"


def minutes_srt(minutes: Minutes) -> str:
    """SubRip subtitles, one cue per segment, prefixed with the speaker's name.

    A flagged segment's cue is its gap label (see ``published_text``)."""
    names = speakers_by_id(minutes)
    script = minutes.session.serbian_script
    cues = [
        srt.Subtitle(
            index=position,
            start=timedelta(seconds=segment.start),
            end=timedelta(seconds=max(segment.end, segment.start + 0.001)),
            content=f"{speaker_name(names.get(segment.speaker or ''), segment.speaker)}: "
            f"{published_text(segment, script)}"
            if segment.speaker
            else published_text(segment, script),
        )
        for position, segment in enumerate(
            (segment for segment in minutes.segments if published_text(segment, script)),
            start=1,
        )
    ]
    return str(srt.compose(cues))


def minutes_vtt(minutes: Minutes) -> str:
    """WebVTT captions with the speaker in a voice span (``<v Name>``), for the page's track.

    Like the SubRip cues, they leave out overlap notes: a caption is on screen for seconds,
    and the page and the documents say where two people spoke at once."""
    names = speakers_by_id(minutes)
    captions = []
    for segment in minutes.segments:
        published = published_text(segment, minutes.session.serbian_script)
        if not published:
            continue
        # Cue text is markup: the transcript's own < & > must be entities.
        text = html.escape(published, quote=False)
        if segment.speaker:
            voice = speaker_name(names.get(segment.speaker), segment.speaker)
            # A voice annotation ends at ">" and may not hold markup characters.
            voice = voice.replace(">", " ").replace("<", " ").replace("&", "and")
            text = f"<v {voice}>{text}"
        captions.append(
            webvtt.Caption(
                start=clock_ms(segment.start),
                end=clock_ms(max(segment.end, segment.start + 0.001)),
                text=text,
                identifier=segment.id,
            )
        )
    return str(webvtt.WebVTT(captions=captions).content)


def minutes_txt(minutes: Minutes) -> str:
    """Plain text: a header, then each speech with its time and speaker; a segment where two
    people spoke at once is followed by its note (``noted_text``)."""
    names = speakers_by_id(minutes)
    session = minutes.session
    lines = [f"{session.title}", f"{session.assembly} · {session.date}", ""]
    for speech in speeches(minutes.segments, session.serbian_script):
        speaker = names.get(speech.speaker or "")
        who = speaker_name(speaker, speech.speaker)
        if speaker is not None and speaker.party:
            who = f"{who} ({speaker.party})"
        lines += [f"[{clock(speech.start)}] {who}:", speech.noted_text, ""]
    return "\n".join(lines)


#: How each export is made; its file name is the core's (``EXPORT_FILES``).
_WRITERS: dict[ExportFormat, Callable[[Minutes], str | bytes]] = {
    ExportFormat.json: minutes_json,
    ExportFormat.srt: minutes_srt,
    ExportFormat.vtt: minutes_vtt,
    ExportFormat.txt: minutes_txt,
    ExportFormat.docx: minutes_docx,
    ExportFormat.akn: minutes_akn,
}

#: Formats written when none are asked for: the ones ``kuvend process`` promises.
DEFAULT_FORMATS = ("json", "srt", "vtt", "txt")

#: Every format, written for each published version.
ALL_FORMATS = tuple(str(name) for name in EXPORT_FILES)


def write_exports(
    minutes: Minutes, out_dir: Path, *, formats: tuple[str, ...] = DEFAULT_FORMATS
) -> list[Path]:
    """Write the minutes in each of ``formats`` into ``out_dir``, each file atomically."""
    unknown = sorted(set(formats) - set(_WRITERS))
    if unknown:
        known = sorted(map(str, _WRITERS))
        raise ValueError(f"unknown export format {unknown}; choose from {known}")
    written = []
    for name in formats:
        path = out_dir / EXPORT_FILES[ExportFormat(name)].filename
        written.append(write_atomically(path, _WRITERS[ExportFormat(name)](minutes)))
        log.info("wrote %s", path)
    return written
