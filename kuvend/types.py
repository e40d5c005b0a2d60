"""Shared type aliases, named once so that signatures stay short."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args

#: ISO 639-1 code of a language an assembly uses. Kosovo's official languages are "sq" and "sr".
LanguageCode = str

#: How an assembly writes Serbian in its minutes.
SerbianScript = Literal["latin", "cyrillic"]

#: Why a stretch of speech holds no trustworthy text, for a reviewer to fill in: the model
#: could not make words of it, it looped, or its text is not in the language's alphabet.
SegmentFlag = Literal["unintelligible", "loop", "not_language"]


def segment_flag(value: str | None) -> SegmentFlag | None:
    """A stored flag read back: one of ``SegmentFlag``, else ``None``."""
    for flag in get_args(SegmentFlag):
        if value == flag:
            return flag  # type: ignore[no-any-return]
    return None


#: A path given by a user: a string or a Path.
PathLike = str | Path

#: Progress and timing callback a stage calls after each step: ``hook(step, artefact)``.
#: ``artefact`` is whatever the step produced (or a ``Progress`` record); hooks must not mutate it.
StageHook = Callable[[str, Any], None]


def no_hook(step: str, artefact: Any) -> None:
    """A hook that does nothing; the default for every stage."""
