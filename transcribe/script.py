"""Serbian in the assembly's script with the other script kept for search; other text as is."""

from __future__ import annotations

from kuvend.text import serbian_in_script
from kuvend.types import LanguageCode, SerbianScript

_OTHER: dict[SerbianScript, SerbianScript] = {"latin": "cyrillic", "cyrillic": "latin"}


def in_script(text: str, language: LanguageCode, script: SerbianScript) -> tuple[str, str | None]:
    """``(text in the assembly's script, text in the other script)`` for Serbian; else as is.

    Albanian is written in Latin only and keeps its ë and ç untouched.
    """
    if language != "sr":
        return text, None
    return serbian_in_script(text, script), serbian_in_script(text, _OTHER[script])
