"""Which assembly slugs a command may create, so that a typo adds no public assembly.

An assembly appears on the public site as soon as it exists. ``kuvend users add`` creates one
only with ``--new-assembly``; ``process``, ``record`` and ``members add`` follow the same rule,
except on first use: while the data folder holds no assembly but ``demo`` (the one ``kuvend
demo`` makes), or for ``demo`` itself, the assembly is created without the flag.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.spelling import closest
from kuvend.config import get_settings
from kuvend.errors import NotFoundError
from kuvend.storage.db import migrate, session_scope
from kuvend.storage.tables import AssemblyRow

#: The assembly ``kuvend demo`` and ``kuvend process`` use when none is named.
DEMO = "demo"

NewAssembly = Annotated[
    bool,
    typer.Option(
        "--new-assembly",
        help="ASSEMBLY is new: add it (it appears on the public site). Without this flag an "
        "assembly that does not exist is refused once there is one besides demo, so a typo "
        "adds nothing.",
    ),
]


def require_assembly(db: Session, slug: str, *, first_use: bool = False) -> None:
    """``NotFoundError`` when ``slug`` is no known assembly, listing the known ones and the
    closest (``did you mean 'prishtine'?``).

    With ``first_use``, ``demo`` and any slug while no assembly but ``demo`` exists pass.
    """
    known = list(db.scalars(select(AssemblyRow.slug).order_by(AssemblyRow.slug)))
    if slug in known:
        return
    if first_use and (slug == DEMO or not set(known) - {DEMO}):
        return
    listed = f"known: {', '.join(known)}" if known else "there is none yet"
    close = closest(slug, known)
    if close:
        advice = f": did you mean {close[0]!r}? To add a new assembly, give --new-assembly"
    else:
        advice = "; to add a new assembly, give --new-assembly"
    raise NotFoundError(f"no assembly {slug!r} ({listed}){advice}")


def check_new_session_assembly(slug: str, *, new_assembly: bool) -> None:
    """Refuse (``NotFoundError``) an unknown ``slug`` for a new session or member, before any
    work, unless ``new_assembly`` or on first use (see the module)."""
    if new_assembly:
        return
    url = get_settings().resolved_database_url
    migrate(url)
    with session_scope(url) as db:
        require_assembly(db, slug, first_use=True)
