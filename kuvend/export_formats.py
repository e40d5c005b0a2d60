"""The export formats of published minutes: their names, files and media types.

One table shared by the stage that writes the files (``publish``), the pages that link to
them and the API that serves them, so that a format the page offers is always one the API
knows (``/api/v1/sessions/{id}/downloads/{format}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ExportFormat(StrEnum):
    """A download's name in the API's path."""

    json = "json"
    srt = "srt"
    vtt = "vtt"
    txt = "txt"
    docx = "docx"
    akn = "akn"


@dataclass(frozen=True, slots=True)
class ExportFile:
    """Where an export lives beside its session page and what it is."""

    filename: str
    media_type: str


#: Every export, in the order the session page lists them.
EXPORT_FILES: dict[ExportFormat, ExportFile] = {
    ExportFormat.json: ExportFile("minutes.json", "application/json"),
    ExportFormat.srt: ExportFile("minutes.srt", "application/x-subrip"),
    ExportFormat.vtt: ExportFile("minutes.vtt", "text/vtt"),
    ExportFormat.txt: ExportFile("minutes.txt", "text/plain"),
    ExportFormat.docx: ExportFile(
        "minutes.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    # Akoma Ntoso is XML; a ``.akn.xml`` name keeps both the format and the syntax visible.
    ExportFormat.akn: ExportFile("minutes.akn.xml", "application/akn+xml"),
}


def format_of_file(filename: str) -> ExportFormat | None:
    """The format written to ``filename`` (``minutes.akn.xml`` → ``akn``), or ``None``."""
    return next((fmt for fmt, file in EXPORT_FILES.items() if file.filename == filename), None)
