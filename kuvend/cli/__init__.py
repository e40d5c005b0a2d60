"""Command line entry point: ``kuvend``. Errors Kuvend expects print one line, exit non-zero."""

import sys

from rich.console import Console

from kuvend.cli.app import app
from kuvend.errors import KuvendError

# Importing a command module registers its commands on ``app``.
from kuvend.cli import commands  # noqa: F401  isort: skip

EXIT_ERROR = 2


def main() -> None:
    """Run the command line; a ``KuvendError`` becomes ``kuvend: error: ...`` and exit 2."""
    try:
        app()
    except KuvendError as error:
        Console(stderr=True, highlight=False).print(f"kuvend: error: {error}", markup=False)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        Console(stderr=True).print("kuvend: interrupted")
        sys.exit(130)
