"""The command line, ``kuvend`` (started by ``kuvend/__main__.py``). Errors Kuvend expects print
one line and exit non-zero."""

import logging
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

import typer

from cli import logs
from cli.app import app
from cli.help_text import plain_names
from cli.spelling import closest
from kuvend import interrupts
from kuvend.errors import KuvendError

# Importing a command module registers its commands on ``app``.
from cli import commands  # noqa: F401  isort: skip

EXIT_ERROR = 2
EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130


def _terminate(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C: the work in progress is marked and cleaned up on the way out.
    # SIGINT too, explicitly: started from a script in the background, Python would inherit
    # SIGINT ignored and never raise KeyboardInterrupt.
    name = signal.Signals(signum).name
    interrupts.request_stop(name)
    raise KeyboardInterrupt(name)


def _unraisable(report: Any) -> None:
    # A stop whose exception landed in a finaliser is kept by ``interrupts`` and acted on at
    # the next step: not worth a traceback on the user's terminal.
    if not isinstance(report.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(report)


def _exit_interrupted() -> NoReturn:
    """``kuvend: interrupted``, exit 130. The work is cleaned up by now: a second stop is
    ignored, not a traceback from the interpreter's shutdown."""
    interrupts.ignore_stops()
    sys.stderr.write("kuvend: interrupted\n")
    sys.exit(EXIT_INTERRUPTED)


def _path(context: Any) -> str:
    """``kuvend sessions show``: the command's words, whatever the program was called."""
    words = []
    while context is not None and context.parent is not None:
        words.append(context.info_name)
        context = context.parent
    return " ".join(["kuvend", *reversed(words)])


def _message(error: Any) -> str:
    """Click's message, but for an unknown option only the closest of the command's own
    options (click's list compared the leading dashes too: ``--bogus`` was "possibly"
    ``--out``)."""
    if type(error).__name__ != "NoSuchOption":
        return str(error.format_message())
    typed = str(error.option_name)
    context = getattr(error, "ctx", None)
    names = [
        name.removeprefix("--")
        for param in (context.command.params if context is not None else ())
        for name in (*param.opts, *param.secondary_opts)
        if name.startswith("--")
    ]
    close = closest(typed.removeprefix("--"), names) if typed.startswith("--") else []
    guess = f" (did you mean {' or '.join('--' + name for name in close)}?)" if close else ""
    return f"No such option: {typed}{guess}"


def command() -> Any:
    """The ``kuvend`` command, its help in plain names (``cli.help_text``)."""
    return plain_names(typer.main.get_command(app))


def main() -> None:
    """Run the command line; a ``KuvendError`` or a refused option becomes ``kuvend: error: ...``
    and exit 2.

    SIGTERM and SIGINT stop cleanly (exit 130); any other exception is one line too (exit 1),
    its traceback logged at DEBUG level. The stages' log shows errors only, unless ``-v``.
    """
    logs.configure()
    for stop in interrupts.STOP_SIGNALS:
        signal.signal(stop, _terminate)
    sys.unraisablehook = _unraisable
    try:
        interrupts.raise_if_stop_requested()  # one that came while the command line loaded
        # Not standalone: a refused option is one line like any other refused input.
        status = command()(standalone_mode=False)
    except typer.TyperException as error:  # Typer's click: a refused option or argument
        if type(error).__name__ == "NoArgsIsHelpError":  # `kuvend users`: the help it asks for
            sys.stderr.write(error.format_message() + "\n")
            sys.exit(getattr(error, "exit_code", EXIT_ERROR))
        where = f" (see {_path(getattr(error, 'ctx', None))} --help)"
        sys.stderr.write(f"kuvend: error: {' '.join(_message(error).split())}{where}\n")
        sys.exit(getattr(error, "exit_code", EXIT_ERROR))
    except typer.Abort:  # end of input at a prompt, or Click's form of a KeyboardInterrupt
        _exit_interrupted()
    except KuvendError as error:
        # Plain write, not rich: a one-line error must stay one line whatever the terminal width.
        sys.stderr.write(f"kuvend: error: {' '.join(str(error).split())}\n")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        _exit_interrupted()
    except Exception as error:
        logging.getLogger("kuvend").debug("unexpected error", exc_info=True)
        if interrupts.stop_requested():
            # The stop landed inside a library that turned it into its own error (an import
            # interrupted half-way reads as "requires the onnxruntime package").
            _exit_interrupted()
        message = " ".join(str(error).split())
        sys.stderr.write(f"kuvend: error: unexpected {type(error).__name__}: {message}\n")
        sys.exit(EXIT_UNEXPECTED)
    if status == EXIT_INTERRUPTED:  # Typer turned a Ctrl-C into this status, silently
        sys.stderr.write("kuvend: interrupted\n")
    sys.exit(status if isinstance(status, int) else 0)
