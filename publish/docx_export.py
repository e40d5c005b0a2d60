"""The minutes as an official document (DOCX), laid out as a secretariat writes them.

Assembly and session, date, chair, the members who spoke, the agenda, then the proceedings:
each speech under its agenda item, with the speaker's name, party and time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kuvend.minutes import Minutes
from publish.formatting import clock, speaker_name, speakers_by_id, speeches
from publish.i18n import Translator, UiLanguage


def minutes_docx(
    minutes: Minutes,
    *,
    language: UiLanguage = "sq",
    assembly_name: str | None = None,
    chair: str | None = None,
) -> bytes:
    """The DOCX file's bytes. ``chair`` is named when the caller knows who chaired."""
    t = Translator(language, minutes.session.serbian_script)
    session = minutes.session
    names = speakers_by_id(minutes)
    document = Document()
    document.core_properties.title = f"{t('docx_title')}: {session.title}"
    document.core_properties.language = language

    heading = document.add_heading(t("docx_title"), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(assembly_name or session.assembly).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_heading(session.title, level=1)
    _field(document, t("date"), session.date)
    _field(document, t("duration"), t.duration(session.duration_s))
    if chair:
        _field(document, t("chair"), chair)

    spoke = [speaker for speaker in minutes.speakers if speaker.turns > 0]
    if spoke:
        document.add_heading(t("speakers_present"), level=2)
        for speaker in spoke:
            label = speaker.name or t("speaker_unnamed", label=speaker.id)
            if speaker.party:
                label = f"{label} ({speaker.party})"
            document.add_paragraph(label, style="List Bullet")

    agenda = sorted(session.agenda, key=lambda item: item.start)
    if agenda:
        document.add_heading(t("agenda"), level=2)
        for item in agenda:
            document.add_paragraph(item.title, style="List Number")

    document.add_heading(t("proceedings"), level=2)
    starts: Sequence[float] = [item.start for item in agenda]
    next_item = 0
    for speech in speeches(minutes.segments, minutes.session.serbian_script):
        while next_item < len(agenda) and starts[next_item] <= speech.start:
            document.add_heading(f"{next_item + 1}. {agenda[next_item].title}", level=3)
            next_item += 1
        who = names.get(speech.speaker or "")
        name = speaker_name(who, speech.speaker)
        if who is None or not who.name:
            name = t("speaker_unnamed", label=speech.speaker or "?")
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        if who is not None and who.party:
            paragraph.add_run(f" ({who.party})")
        paragraph.add_run(f" [{clock(speech.start)}]:")
        document.add_paragraph(speech.noted_text)

    status = t("status_published" if session.status == "published" else "status_draft")
    note = document.add_paragraph(
        t("generated_note", version=session.version or "–", status=status)
    )
    note.runs[0].italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _field(document: object, name: str, value: str) -> None:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    paragraph.add_run(f"{name}: ").bold = True
    paragraph.add_run(value)
