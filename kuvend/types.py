"""Shared type aliases, named once so that signatures stay short."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

#: ISO 639-1 code of a language an assembly uses. Kosovo's official languages are "sq" and "sr".
LanguageCode = str

#: How an assembly writes Serbian in its minutes.
SerbianScript = Literal["latin", "cyrillic"]

#: A path given by a user: a string or a Path.
PathLike = str | Path

#: Progress and timing callback a stage calls after each step: ``hook(step, artefact)``.
#: ``artefact`` is whatever the step produced (or a ``Progress`` record); hooks must not mutate it.
StageHook = Callable[[str, Any], None]


def no_hook(step: str, artefact: Any) -> None:
    """A hook that does nothing; the default for every stage."""
