"""The ``kuvend`` Typer application; each command group lives in its own module beside this."""

import typer

from cli.logs import Verbose

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
    rich_markup_mode=None,
)


@app.callback()
def _at_start(ctx: typer.Context, verbose: Verbose = 0) -> None:
    # Every command first marks failed the sessions a stopped process left unfinished.
    if ctx.invoked_subcommand is None or ctx.resilient_parsing:
        return
    from cli.startup import recover_at_start

    recover_at_start()
