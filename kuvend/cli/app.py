"""The ``kuvend`` Typer application; each command group lives in its own module beside this."""

import typer

app = typer.Typer(
    name="kuvend",
    help=(
        "Kuvend: searchable, published minutes of municipal assembly sessions.\n\n"
        "Record or upload a session, transcribe Albanian and Serbian, find who spoke, "
        "review, publish and search."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
