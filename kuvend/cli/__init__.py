"""Command line entry point: ``kuvend``. Errors Kuvend expects print one line, exit non-zero."""

import sys

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
        # Plain write, not rich: a one-line error must stay one line whatever the terminal width.
        sys.stderr.write(f"kuvend: error: {' '.join(str(error).split())}\n")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.stderr.write("kuvend: interrupted\n")
        sys.exit(130)
