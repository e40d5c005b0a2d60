"""The ``kuvend`` program (``python -m kuvend`` and the installed ``kuvend`` script).

A launcher run as a program, never imported by the core's modules: the core itself imports no
package above it. Loading the command line takes a moment (typer, the commands' modules); a
stop asked for meanwhile is kept and acted on once it has loaded, not shown as a traceback.
"""

from kuvend import interrupts


def main() -> None:
    """Keep early stops, load the command line, run it (``cli.main``)."""
    interrupts.remember_stops()
    from cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
