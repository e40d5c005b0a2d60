"""What may enter the record: checks shared by every door (API bodies, CLI options).

Everything accepted here must survive every later step: freezing to JSON, the DOCX and Akoma
Ntoso writers (XML 1.0 refuses control characters other than tab, newline and carriage
return, lone surrogates and U+FFFE/U+FFFF), the statistics and the site. So numbers are
finite and in range, text holds no control characters (newline and tab only where the text
may span lines), language codes are ones the recogniser knows, lists are bounded.

The annotated types (:data:`Seconds`, :data:`Line`, :data:`Paragraph`, :data:`SegmentText`,
:data:`Name`, :data:`Language`) are for pydantic models; the ``check_*`` functions raise
``ValueError`` with one line for a person and serve both pydantic validators and the CLI.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field

#: Longest session time a request may name, in seconds (two days: no sitting is longer).
MAX_SESSION_S = 2 * 86400.0
#: RFC 5321's limit on a forward path (an address with its angle brackets: 256).
_MAX_EMAIL_CHARS = 254
#: Longest name of an assembly or a member (their columns' size).
MAX_NAME_CHARS = 200
_MULTILINE_ALLOWED = frozenset("\n\t")
_NONCHARACTERS = frozenset("\ufffe\uffff")


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """ISO 639-1 codes (and Whisper's few longer ones) of the languages the recogniser knows."""
    # faster-whisper's own table: a language outside it could never be transcribed.
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def check_language(code: str) -> str:
    """``code`` if the recogniser knows it; else ``ValueError`` naming an example."""
    if code not in known_languages():
        raise ValueError(f"unknown language code {code!r}: use ISO 639-1 codes such as sq, sr, en")
    return code


def check_text(value: str, *, multiline: bool = False) -> str:
    """``value`` with ``\\r\\n`` as ``\\n``, if it holds no control character.

    Newline and tab are allowed only when ``multiline``. Raises ``ValueError`` naming the
    first offending character's code point and position.
    """
    if multiline:
        value = value.replace("\r\n", "\n")
    found = first_control_character(value, allowed=_MULTILINE_ALLOWED if multiline else "")
    if found is not None:
        position, char = found
        raise ValueError(
            f"control character {code_point(char)} at position {position} is not allowed"
        )
    return value


def first_control_character(value: str, *, allowed: Collection[str] = ()) -> tuple[int, str] | None:
    """The position and character of ``value``'s first control character (category Cc, a lone
    surrogate or U+FFFE/U+FFFF) not in ``allowed``; None when it has none."""
    for position, char in enumerate(value):
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char in _NONCHARACTERS:
            return position, char
    return None


def code_point(char: str) -> str:
    """How a message names a character that cannot be shown: ``U+0000``."""
    return f"U+{ord(char):04X}"


def check_filled(value: str) -> str:
    """``value`` if it holds something other than white space; else ``ValueError``.

    A segment's text that is only spaces would be stored empty and published as an empty line.
    """
    if not value.strip():
        raise ValueError("the text is empty or only white space: write what was said")
    return value


def check_email(value: str) -> str:
    """``value`` stripped, if it looks like an email address: one ``@``, a local part and a
    domain with a dot, no spaces or control characters; else ``ValueError``.

    Whether the address exists is not checked (nothing here is sent).
    """
    value = check_text(value.strip())
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or "@" in local
        or any(char.isspace() for char in value)
        or len(labels) < 2
        or not all(labels)
        or len(value) > _MAX_EMAIL_CHARS
    ):
        raise ValueError(f"{value!r} is not an email address: write it as name@example.org")
    return value


def check_name(value: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """``value`` without surrounding white space, if it is one line (no control character),
    not blank and at most ``max_chars`` characters; else ``ValueError`` saying which."""
    value = check_text(value).strip()
    if not value:
        raise ValueError("the name is empty or only white space")
    if len(value) > max_chars:
        raise ValueError(f"the name has {len(value)} characters: at most {max_chars}")
    return value


def _named(value: str) -> str:
    if not value.strip():
        raise ValueError("the name is empty or only white space")
    return value


def _line(value: str) -> str:
    return check_text(value, multiline=False)


def _paragraph(value: str) -> str:
    return check_text(value, multiline=True)


#: Session seconds: finite, 0 to :data:`MAX_SESSION_S` (refuses ``Infinity``, ``1e309``, ``NaN``).
Seconds = Annotated[float, Field(ge=0, le=MAX_SESSION_S, allow_inf_nan=False)]
#: One line of text: no control characters at all.
Line = Annotated[str, AfterValidator(_line)]
#: Text that may span lines: newline and tab allowed, other control characters refused.
Paragraph = Annotated[str, AfterValidator(_paragraph)]
#: A segment's text: a :data:`Paragraph` that is not only white space.
SegmentText = Annotated[str, AfterValidator(_paragraph), AfterValidator(check_filled)]
#: A person's name: a :data:`Line` that is not only white space.
Name = Annotated[str, AfterValidator(_line), AfterValidator(_named)]
#: A language code the recogniser knows.
Language = Annotated[str, AfterValidator(check_language)]
