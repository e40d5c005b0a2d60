"""Help that reads as prose: ``kuvend process MEDIA``, not ``{media}`` or ``<path>``.

Typer writes a required argument as ``{name}`` in the usage line and names every value by its
Python type (``<str>``, ``<bool>``); these read as noise to an operator. Here arguments are
named in capitals, as the docstrings refer to them (MEDIA, SESSION_ID; in brackets where they
may be left out), and an option's value
is named after the option (``--out OUT``). Plain (not rich) formatting, set on the application,
rewraps each paragraph to the terminal, so a help text never breaks mid-sentence.

Typer ships its own copy of click, so parameters are told apart by ``param_type_name``.
"""

from __future__ import annotations

from typing import Any


def plain_names(command: Any) -> Any:
    """``command`` and every subcommand with the names above; returns ``command``."""
    for param in command.params:
        kind = getattr(param, "param_type_name", "")
        if param.name is None or param.name == "help":
            continue
        if kind == "argument":
            param.metavar = param.name.upper()
            # Typer wraps a required argument's name in braces in the usage line; one that may
            # be left out stays in brackets, as usage lines say it.
            usage = param.metavar if param.required else f"[{param.metavar}]"
            param._usage_display_name = lambda name=usage: name
            param.display_type_rich = lambda ctx: None
        elif kind == "option" and not param.is_flag and not param.count:
            param.metavar = param.name.upper()
    for subcommand in getattr(command, "commands", {}).values():
        plain_names(subcommand)
    return command
