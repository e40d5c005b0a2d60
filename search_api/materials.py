"""Materials (supporting documents) the secretariat attaches to a session, before or after it.

A material's file is kept in the content-addressed media store under its SHA-256 and the
extension of the name it was sent under (``MediaStore.add_file``): that is where publishing
looks for it (``path_for(sha256, safe_suffix(filename))``) to copy it into the site. The name
itself is a label only. Documents and images are taken, recognised by their first bytes as
well as their extension, so that a file named ``.pdf`` is one; everything else is refused with
one line (``MediaError``), and nothing is stored. Attaching is a revision; the material stays
private until the session's agenda and materials are published (``SessionActions.announce``).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Final

from kuvend.config import Settings
from kuvend.errors import MediaError
from kuvend.storage.agenda import MaterialRecord, add_material
from kuvend.storage.db import session_scope
from kuvend.storage.media import MediaStore, safe_suffix
from kuvend.validation import check_text

#: Longest title and stored file name (the columns' size).
MAX_TITLE_CHARS: Final = 300

_ZIP = (b"PK\x03\x04",)  # DOCX, XLSX, PPTX, ODT, ODS are ZIP containers
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the old binary DOC and XLS
#: Extension -> (content type, the first bytes a file of it starts with; none: plain text).
MATERIAL_TYPES: Final[dict[str, tuple[str, tuple[bytes, ...]]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".txt": ("text/plain; charset=utf-8", ()),
    ".csv": ("text/csv; charset=utf-8", ()),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
#: What the file picker offers (``accept``).
ACCEPTED: Final = ",".join(MATERIAL_TYPES)
_SNIFF_BYTES = 64 * 1024


def check_title(title: str) -> str:
    """``title`` with its white space collapsed; ``ValueError`` (one line) when it is empty,
    longer than :data:`MAX_TITLE_CHARS` or holds a control character."""
    clean = " ".join(check_text(title).split())
    if not clean:
        raise ValueError("the title is empty: say what the document is")
    if len(clean) > MAX_TITLE_CHARS:
        raise ValueError(f"the title is longer than {MAX_TITLE_CHARS} characters")
    return clean


def _label(filename: str) -> str:
    """The last part of the name the file was sent under, as a label (never a path)."""
    name = PurePosixPath(filename.replace("\\", "/")).name.strip()
    try:
        check_text(name)
    except ValueError as error:
        raise MediaError(f"the file name is not usable: {error}") from None
    return name[-MAX_TITLE_CHARS:] or "material"


def _content_type(path: Path, label: str) -> str:
    """The content type of the file at ``path`` sent as ``label``; ``MediaError`` unless it is
    one of :data:`MATERIAL_TYPES` and its first bytes say so."""
    known = MATERIAL_TYPES.get(safe_suffix(label))
    if known is None:
        raise MediaError(f"{label}: a material must be one of {', '.join(MATERIAL_TYPES)}")
    content_type, signatures = known
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        raise MediaError(f"{label} is empty")
    if signatures and not head.startswith(signatures):
        raise MediaError(f"{label} is not a {safe_suffix(label)[1:].upper()} file")
    if not signatures and b"\x00" in head:
        raise MediaError(f"{label} is not plain text")
    return content_type


def attach_material(
    *, settings: Settings, session_id: str, title: str, path: Path, filename: str, user_id: str
) -> MaterialRecord:
    """Keep the file at ``path`` (sent as ``filename``) in the media store and attach it to the
    session under ``title`` (already checked with :func:`check_title`).

    Raises ``MediaError`` (one line; nothing stored) for a file that is not a material and
    ``NotFoundError`` for an unknown session.
    """
    label = _label(filename)
    content_type = _content_type(path, label)
    stored = MediaStore(settings.resolved_media_dir).add_file(path, label)
    with session_scope(settings.resolved_database_url) as db:
        return add_material(
            session=db,
            session_id=session_id,
            title=title,
            filename=label,
            sha256=stored.sha256,
            content_type=content_type,
            size_bytes=stored.size_bytes,
            user_id=user_id,
        )


def material_file(settings: Settings, material: MaterialRecord) -> Path:
    """Where a material's file lies in the media store."""
    return MediaStore(settings.resolved_media_dir).path_for(
        material.sha256, safe_suffix(material.filename)
    )
