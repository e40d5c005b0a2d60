"""The session page: player, transcript following playback, speakers and their speaking time.

Rendered by Jinja2 with autoescaping on for every template, so transcript text, names and
titles are always text, never markup. Scripts and styles are separate files (the page's
Content-Security-Policy allows nothing inline).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from kuvend.export_formats import format_of_file
from kuvend.minutes import Minutes, MinutesOverlap, MinutesSegment, MinutesSpeaker
from publish.files import write_atomically
from publish.formatting import clock, speakers_by_id, speeches
from publish.i18n import UI_LANGUAGES, Named, Translator, UiLanguage, catalog
from publish.statistics import share_of_time
from publish.summary import AgendaSummary

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
#: The pages' CSS and JavaScript, copied into each site (``copy_assets``).
STATIC_DIR = _HERE / "static"

#: Files of the page that are not HTML; copied beside it (or once per site).
ASSET_FILES = ("kuvend.css", "kuvend.js", "kuvend-search.js")

#: The exports a session page offers by default; each one's label is ``download_{format}``.
DEFAULT_DOWNLOADS = ("minutes.json", "minutes.srt", "minutes.vtt", "minutes.txt")


@dataclass(frozen=True, slots=True)
class PageLink:
    """A titled link on a page (a material, a summary sentence's anchor)."""

    title: str
    href: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of every public page: autoescaped, strict about missing names."""
    return Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def copy_assets(target_dir: Path) -> Path:
    """Copy the pages' CSS and JavaScript into ``target_dir`` (made if needed)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in ASSET_FILES:
        shutil.copyfile(STATIC_DIR / name, target_dir / name)
    return target_dir


def language_links(current: str, page_name: Callable[[str], str]) -> list[dict[str, Any]]:
    """The language switcher: each interface language, named in itself."""
    return [
        {
            "code": code,
            "name": catalog(code)["language_name"],
            "href": page_name(code),
            "current": code == current,
        }
        for code in UI_LANGUAGES
    ]


def _transcript_blocks(minutes: Minutes, t: Translator) -> Iterator[dict[str, Any]]:
    """Chapters (agenda items), recording gaps and speeches, in time order."""
    names = speakers_by_id(minutes)
    agenda = sorted(minutes.session.agenda, key=lambda item: item.start)
    gaps = sorted(minutes.session.gaps, key=lambda gap: gap.start)
    chapters_left = list(enumerate(agenda, start=1))
    for part in _split_at(minutes.segments, [item.start for item in agenda]):
        while chapters_left and (not part or chapters_left[0][1].start <= part[0].start):
            index, item = chapters_left.pop(0)
            yield {"chapter": {"index": index, "title": item.title}, "gap": None, "speech": None}
        for speech in speeches(part):
            while gaps and gaps[0].start <= speech.start:
                gap = gaps.pop(0)
                note = t("gap", start=clock(gap.start), end=clock(gap.end))
                yield {"chapter": None, "gap": note, "speech": None}
            speaker = names.get(speech.speaker or "")
            name = _display_name(speaker.name if speaker else None, speech.speaker, t)
            yield {
                "chapter": None,
                "gap": None,
                "speech": {
                    "name": name,
                    "party": speaker.party if speaker else None,
                    "clock": clock(speech.start),
                    "lines": [
                        _line(segment, t, _second_voice(segment, minutes.overlaps, names, t))
                        for segment in speech.segments
                    ],
                },
            }
    for index, item in chapters_left:
        yield {"chapter": {"index": index, "title": item.title}, "gap": None, "speech": None}


def _split_at(
    segments: Sequence[MinutesSegment], cuts: Sequence[float]
) -> list[list[MinutesSegment]]:
    """Segments split into runs at each agenda item's start, so speeches do not cross them."""
    parts: list[list[MinutesSegment]] = [[]]
    remaining = sorted(cuts)
    for segment in segments:
        if remaining and segment.start >= remaining[0]:
            while remaining and segment.start >= remaining[0]:
                remaining.pop(0)
            parts.append([])
        parts[-1].append(segment)
    return [part for part in parts if part] or [[]]


def _second_voice(
    segment: MinutesSegment,
    overlaps: Sequence[MinutesOverlap],
    names: Mapping[str, MinutesSpeaker],
    t: Translator,
) -> str | None:
    """The display name of who else spoke during ``segment`` (the minutes' ``overlaps``),
    if known; ``names`` are the minutes' speakers by label."""
    if not segment.overlap:
        return None
    heard = {
        overlap.speaker: min(overlap.end, segment.end) - max(overlap.start, segment.start)
        for overlap in overlaps
        if overlap.start < segment.end
        and overlap.end > segment.start
        and overlap.speaker != segment.speaker
    }
    if not heard:
        return None
    label = max(heard, key=lambda speaker: heard[speaker])
    speaker = names.get(label)
    return _display_name(speaker.name if speaker else None, label, t)


def _line(segment: MinutesSegment, t: Translator, second_voice: str | None) -> dict[str, Any]:
    return {
        "id": segment.id,
        "start": segment.start,
        "end": segment.end,
        "lang": segment.language,
        "clock": clock(segment.start),
        "play_label": t("play_from", time=clock(segment.start)),
        "text": segment.text,
        # Speech the transcriber could not trust: a gap to fill, never shown as if it were text.
        "flag": t(f"flag_{segment.flag}", seconds=f"{segment.end - segment.start:.0f}")
        if segment.flag
        else None,
        # Two voices at once: the words went to one speaker and may miss the other's.
        # Who the other was, when the diarizer could tell (``minutes.overlaps``).
        "overlap": (t("overlap_with", name=second_voice) if second_voice else t("overlap"))
        if segment.overlap
        else None,
    }


def _display_name(name: str | None, label: str | None, t: Translator) -> str:
    return name or t("speaker_unnamed", label=label or "?")


def speaker_rows(
    minutes: Minutes, t: Translator, member_href: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """The speaking-time table's rows, most speaking time first."""
    speakers = [speaker for speaker in minutes.speakers if speaker.turns > 0]
    speakers.sort(key=lambda speaker: -speaker.speaking_time_s)
    shares = share_of_time(speakers)
    top = max(shares.values(), default=0.0) or 1.0
    return [
        {
            "name": _display_name(speaker.name, speaker.id, t),
            "party": speaker.party,
            "href": member_href(speaker.member_id)
            if member_href is not None and speaker.member_id
            else None,
            "time": t.duration(speaker.speaking_time_s),
            "turns": speaker.turns,
            "longest": t.duration(speaker.longest_turn_s),
            "share_text": f"{shares[speaker.id] * 100:.0f} %",
            # Bars are scaled to the longest speaker so that short ones stay visible.
            "share_percent": round(shares[speaker.id] / top * 100, 2),
        }
        for speaker in speakers
    ]


def render_session_page(
    minutes: Minutes,
    out_dir: Path,
    *,
    media_url: str | None,
    ui_language: UiLanguage = "sq",
    assembly_name: str | Named | None = None,
    downloads: Sequence[str] = DEFAULT_DOWNLOADS,
    materials: Sequence[PageLink] = (),
    summaries: Sequence[AgendaSummary] = (),
    versions: Sequence[PageLink] = (),
    assets_href: str | None = None,
    home_href: str | None = None,
    member_href: Callable[[str], str] | None = None,
) -> Path:
    """Write the session page into ``out_dir`` and return the path of its ``index.html``.

    ``index.html`` is in ``ui_language``; ``index.sq.html``, ``index.sr.html`` and
    ``index.en.html`` beside it are the same page in each interface language, linked from the
    language switcher. ``media_url`` is the recording the player plays (relative to the page,
    or absolute); ``None`` shows a note instead of a player. ``downloads`` are export files
    in ``out_dir``; the WebVTT one becomes the player's captions track. Without
    ``assets_href`` the CSS and JavaScript are copied into ``out_dir/assets``. In
    ``home_href`` and the links ``member_href`` returns, ``{lang}`` stands for the page's
    interface language, so that a reader stays in their language from page to page.
    ``assembly_name`` given as ``Named`` is shown in Serbian on the Serbian page.
    """
    log.info("rendering the session page of %s into %s", minutes.session.id, out_dir)
    if assets_href is None:
        copy_assets(out_dir / "assets")
        assets_href = "assets/"
    template = environment().get_template("session.html.j2")
    index = out_dir / "index.html"
    names = assembly_name if isinstance(assembly_name, Named) else Named(assembly_name or "")
    for language in UI_LANGUAGES:
        t = Translator(language, minutes.session.serbian_script)
        html = template.render(
            **_session_context(
                minutes,
                t,
                media_url=media_url,
                assembly_name=names.on_page(t) or minutes.session.assembly,
                downloads=downloads,
                materials=materials,
                summaries=summaries,
                versions=versions,
                assets_href=assets_href,
                home_href=home_href,
                member_href=member_href,
            )
        )
        write_atomically(out_dir / f"index.{language}.html", html)
        if language == ui_language:
            write_atomically(index, html)
    return index


def _session_context(
    minutes: Minutes,
    t: Translator,
    *,
    media_url: str | None,
    assembly_name: str,
    downloads: Sequence[str],
    materials: Sequence[PageLink],
    summaries: Sequence[AgendaSummary],
    versions: Sequence[PageLink],
    assets_href: str,
    home_href: str | None,
    member_href: Callable[[str], str] | None,
) -> dict[str, Any]:
    session = minutes.session
    captions = next((name for name in downloads if name.endswith(".vtt")), None)
    return {
        "lang": t.language,
        # Assistive technology reads Serbian in the script it is written in (BCP 47 sr-Cyrl).
        "html_lang": "sr-Cyrl" if t.language == "sr" and t.script == "cyrillic" else t.language,
        "t": t,
        "assets": assets_href,
        "home_href": home_href.replace("{lang}", t.language) if home_href else None,
        "language_links": language_links(t.language, lambda code: f"index.{code}.html"),
        "session": session,
        "assembly_name": assembly_name,
        "is_draft": session.status != "published",
        "duration_text": t.duration(session.duration_s),
        "media_url": media_url,
        "captions_href": captions,
        "captions_lang": session.languages[0] if session.languages else t.language,
        "blocks": list(_transcript_blocks(minutes, t)),
        # Speeches sit under a chapter heading (h3) when the session has an agenda.
        "speech_level": 4 if session.agenda else 3,
        "agenda": [
            {"title": item.title, "start": item.start, "clock": clock(item.start)}
            for item in sorted(session.agenda, key=lambda item: item.start)
        ],
        "speakers": speaker_rows(
            minutes,
            t,
            (lambda member_id: member_href(member_id).replace("{lang}", t.language))
            if member_href
            else None,
        ),
        "summaries": [_summary_view(minutes, summary, t) for summary in summaries],
        "versions": [
            PageLink(link.title, link.href.replace("{lang}", t.language)) for link in versions
        ],
        "materials": materials,
        "downloads": [{"href": name, "label": t(_download_label(name))} for name in downloads],
    }


def _download_label(filename: str) -> str:
    """The catalog key of an export's link text (``minutes.akn.xml`` → ``download_akn``)."""
    export = format_of_file(filename)
    return f"download_{export}" if export else "downloads"


def _summary_view(minutes: Minutes, summary: AgendaSummary, t: Translator) -> dict[str, Any]:
    return {
        "title": summary.title,
        "speakers": [
            {
                "name": display_speaker(minutes, share.speaker, t),
                "time": t.duration(share.speaking_time_s),
            }
            for share in summary.speakers
        ],
        "sentences": [{"start": s.start_s, "text": s.text} for s in summary.sentences],
    }


def display_speaker(minutes: Minutes, label: str | None, t: Translator) -> str:
    """A speaker's name as the pages show it (``Speaker S2`` when unnamed)."""
    speaker = speakers_by_id(minutes).get(label or "")
    return _display_name(speaker.name if speaker else None, label, t) if label else "?"
