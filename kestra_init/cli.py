"""The command line: one small function per command.

Each function parses its options, calls its module under
``kestra_init.commands`` and hands the result to ``kestra_init.output``. Command
modules are imported inside the functions, so ``kestra-init --help`` loads
neither copier, python-on-whales nor httpx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kestra_init import __version__
from kestra_init.errors import KestraInitError
from kestra_init.exit_codes import ExitCode

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

# Options several commands share.
ProjectOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Option(
        "--project",
        "-C",
        help="The project folder (default: the one holding the current folder).",
        show_default=False,
    ),
]


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


def main() -> None:
    """Entry point: run the app; turn every error into a message and an exit code."""
    from kestra_init.output import errors as error_output

    try:
        code = app(standalone_mode=False)
    except KestraInitError as error:
        error_output.render_error(error)
        code = error_output.exit_code_for(error)
    except (KeyboardInterrupt, typer.Abort):
        code = ExitCode.INTERRUPTED
    except Exception as error:  # the last line of defence against tracebacks
        if _is_click_exception(error):
            error.show()  # type: ignore[attr-defined]
            code = error.exit_code  # type: ignore[attr-defined]
        else:
            code = error_output.report_internal_error(error)
    raise SystemExit(int(code or 0))


def _is_click_exception(error: Exception) -> bool:
    # Typer ships its own copy of click; its usage errors have show() and exit_code.
    return hasattr(error, "show") and hasattr(error, "exit_code")
