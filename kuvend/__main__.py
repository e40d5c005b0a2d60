"""``python -m kuvend`` is the ``kuvend`` command."""

from kuvend.cli import main

main()
