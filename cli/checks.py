"""Typer callbacks that apply :mod:`kuvend.validation` to command-line options.

A refused value is Typer's usual usage error (exit 2, one line naming the option), before any
work starts.
"""

from __future__ import annotations

import re
from datetime import date

import typer

from kuvend.validation import check_email, check_language, check_name, check_text

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def languages(value: str) -> tuple[str, ...]:
    """``sq,sr`` as ``("sq", "sr")``: known codes only, at least one, at most ten."""
    codes = tuple(part.strip() for part in value.split(",") if part.strip())
    if not codes:
        raise typer.BadParameter("give at least one language, e.g. sq,sr")
    if len(codes) > 10:
        raise typer.BadParameter("give at most ten languages")
    try:
        return tuple(check_language(code) for code in codes)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def line(value: str | None) -> str | None:
    """One line of text with no control characters (``None`` passes)."""
    if value is None:
        return None
    try:
        return check_text(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def name(value: str | None) -> str | None:
    """A name: one line, not blank, at most 200 characters, stripped (``None`` passes)."""
    if value is None:
        return None
    try:
        return check_name(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def slug(value: str | None) -> str | None:
    """An assembly slug: lower-case letters, digits and hyphens (``None`` passes)."""
    if value is not None and not _SLUG.match(value):
        raise typer.BadParameter(f"{value!r}: use lower-case letters, digits and -, e.g. prishtine")
    return value


def iso_date(value: str | None) -> str | None:
    """A calendar date written ``YYYY-MM-DD`` (``None`` passes): ``2026-02-30`` and
    ``tomorrow`` are refused, naming the value."""
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError as error:
        why = "" if "format" in str(error) else f" ({error})"
        raise typer.BadParameter(f"{value!r} is not a date{why}: write it as YYYY-MM-DD") from None
    return value


def email(value: str) -> str:
    """An email address, as ``name@example.org``."""
    try:
        return check_email(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
