"""The minutes as open data in Akoma Ntoso (OASIS LegalDocML 3.0), document type ``debate``.

Every speaker is a ``TLCPerson`` in the references, and every speech a ``<speech by="#…">``
with its ``<from>`` name, grouped in one ``debateSection`` per agenda item. Times are kept as
``startTime``/``endTime`` offsets in the recording (ISO 8601 durations).
"""

from __future__ import annotations

import math

from lxml import etree

from kuvend.minutes import Minutes
from publish.formatting import (
    overlap_note,
    published_text,
    speaker_name,
    speakers_by_id,
    speeches,
)

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
_A = f"{{{AKN_NAMESPACE}}}"

#: ISO 639-2 codes Akoma Ntoso uses for the expression's language.
_ISO639_2 = {"sq": "sqi", "sr": "srp", "en": "eng"}


def _offset(seconds: float) -> str:
    return f"PT{seconds:.3f}S"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _A + tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def minutes_akn(minutes: Minutes) -> bytes:
    """The Akoma Ntoso XML bytes (UTF-8, with declaration)."""
    session = minutes.session
    names = speakers_by_id(minutes)
    work = f"/akn/xk-{session.assembly}/debate/{session.date}/{session.id}"
    language = _ISO639_2.get(session.languages[0] if session.languages else "sq", "sqi")
    version = f"v{session.version}" if session.version else "draft"

    root = etree.Element(_A + "akomaNtoso", nsmap={None: AKN_NAMESPACE})
    debate = _sub(root, "debate", name="minutes")
    meta = _sub(debate, "meta")
    identification = _sub(meta, "identification", source="#kuvend")
    for level, this in (
        ("FRBRWork", f"{work}/!main"),
        ("FRBRExpression", f"{work}/{language}@{version}/!main"),
        ("FRBRManifestation", f"{work}/{language}@{version}/!main.xml"),
    ):
        frbr = _sub(identification, level)
        _sub(frbr, "FRBRthis", value=this)
        _sub(frbr, "FRBRuri", value=this.rsplit("/!main", 1)[0])
        _sub(frbr, "FRBRdate", date=session.date, name="session")
        _sub(frbr, "FRBRauthor", href=f"#{session.assembly}")
        if level == "FRBRWork":
            _sub(frbr, "FRBRcountry", value="xk")
        if level == "FRBRExpression":
            _sub(frbr, "FRBRlanguage", language=language)
    references = _sub(meta, "references", source="#kuvend")
    _sub(
        references,
        "TLCOrganization",
        eId="kuvend",
        href="/ontology/organization/kuvend",
        showAs="Kuvend",
    )
    _sub(
        references,
        "TLCOrganization",
        eId=session.assembly,
        href=f"/ontology/organization/xk/{session.assembly}",
        showAs=session.assembly,
    )
    for speaker in minutes.speakers:
        person = speaker.member_id or f"{session.id}-{speaker.id}"
        _sub(
            references,
            "TLCPerson",
            eId=_person_id(speaker.id),
            href=f"/ontology/person/xk/{person}",
            showAs=speaker_name(speaker, speaker.id),
        )

    preface = _sub(debate, "preface")
    _sub(_sub(preface, "p"), "docTitle", session.title)
    _sub(_sub(preface, "p"), "docDate", session.date, date=session.date)

    body = _sub(debate, "debateBody")
    for position, (heading, low, high) in enumerate(_sections(minutes), start=1):
        section = _sub(
            body,
            "debateSection",
            name="agendaItem" if heading is not None else "proceedings",
            eId=f"dbsect_{position}",
        )
        if heading is not None:
            _sub(section, "heading", heading)
        inside = [s for s in minutes.segments if low <= s.start < high]
        for number, speech in enumerate(speeches(inside), start=1):
            label = speech.speaker or "unknown"
            element = _sub(
                section,
                "speech",
                by=f"#{_person_id(label)}",
                eId=f"dbsect_{position}__speech_{number}",
                startTime=_offset(speech.start),
                endTime=_offset(speech.end),
            )
            _sub(element, "from", speaker_name(names.get(label), label))
            for segment in speech.segments:
                script = minutes.session.serbian_script
                paragraph = _sub(
                    element, "p", published_text(segment, script), eId=f"seg_{segment.id}"
                )
                if segment.overlap:
                    # Two people spoke at once: an editorial remark, as debates note applause.
                    paragraph.text = f"{paragraph.text} " if paragraph.text else None
                    _sub(paragraph, "remark", overlap_note(segment, script), type="phenomenon")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _sections(minutes: Minutes) -> list[tuple[str | None, float, float]]:
    """(heading, from, to) per agenda item, after any proceedings before the first item."""
    agenda = sorted(minutes.session.agenda, key=lambda item: item.start)
    first = agenda[0].start if agenda else math.inf
    sections: list[tuple[str | None, float, float]] = []
    if not agenda or any(segment.start < first for segment in minutes.segments):
        sections.append((None, -math.inf, first))
    for index, item in enumerate(agenda):
        end = agenda[index + 1].start if index + 1 < len(agenda) else math.inf
        sections.append((item.title, item.start, end))
    return sections


def _person_id(label: str) -> str:
    return f"speaker_{label}"
