"""The Typer application (``app``): its name, help, and the root options (``--version``).

The commands are added by the modules of ``cli/verbs/``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kestra_init import __version__

app = typer.Typer(
    name="kestra-init",
    help=(
        "Create a ready-to-run Kestra repository, bring it up and load its flows.\n\n"
        "Start with [bold]kestra-init new myproj[/bold], then "
        "[bold]cd myproj && kestra-init up[/bold]."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kestra-init {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Create a ready-to-run Kestra repository, bring it up and load its flows."""
