"""The assembly's word list as Whisper hints: an initial prompt or faster-whisper hotwords.

Whisper conditions on the prompt as if it were the text before the window, so spelling names
out there makes the decoder prefer those spellings. The prompt holds at most ~220 tokens;
faster-whisper keeps its end, so the list is written most important first and cut to fit.
"""

from __future__ import annotations

from transcribe.options import TranscribeOptions

#: Roughly 220 Whisper tokens of Albanian/Serbian names (≈ 3 characters per token).
_MAX_PROMPT_CHARS = 600

#: A neutral opening in each language, so the prompt reads like minutes, not like a list.
_LEAD = {
    "sq": "Seanca e Kuvendit të Komunës.",
    "sr": "Sednica Skupštine opštine.",
}


def vocabulary_text(options: TranscribeOptions, language: str) -> str | None:
    """The vocabulary as one line of text for ``language``, or ``None`` when there is none."""
    if not options.vocabulary or options.vocabulary_as == "none":
        return None
    terms: list[str] = []
    length = 0
    for term in options.vocabulary:
        if length + len(term) + 2 > _MAX_PROMPT_CHARS:
            break
        terms.append(term)
        length += len(term) + 2
    lead = _LEAD.get(language, "")
    return f"{lead} {', '.join(terms)}.".strip()


def hints(options: TranscribeOptions, language: str) -> tuple[str | None, str | None]:
    """``(initial_prompt, hotwords)`` for a unit in ``language``."""
    text = vocabulary_text(options, language)
    if text is None:
        return None, None
    return (text, None) if options.vocabulary_as == "prompt" else (None, text)
