"""How every command function ends: its result printed, or the error that stopped it.

``@reported(name)`` wraps a command function of the CLI. The function returns
its result and the text renderer to print it with; the wrapper hands both to
``output.emit`` and exits with the code it gives. Any exception the function
lets out (one of our errors, Ctrl-C, a bug) goes to ``output.emit.emit_error``,
so a ``--json`` caller always gets one envelope on stdout.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from kestra_init.results import CommandResult

F = TypeVar("F", bound=Callable[..., Any])
Outcome = tuple[CommandResult, Callable[[Any], None]]


def _as_json(kwargs: dict[str, Any]) -> bool:
    return bool(kwargs.get("as_json"))


def reported(name: str, json_mode: Callable[[dict[str, Any]], bool] = _as_json) -> Callable[[F], F]:
    """Print what the wrapped command returns, or what stopped it; exit with its code.

    ``json_mode`` tells from the command's options whether JSON was asked for
    (``--json``; validate's ``--format json``).
    """

    def wrap(function: F) -> F:
        @functools.wraps(function)
        def run(**kwargs: Any) -> None:
            from kestra_init.output.emit import emit, emit_error

            as_json = json_mode(kwargs)
            try:
                result, text = function(**kwargs)
            except (typer.Exit, BrokenPipeError):
                raise  # an exit already decided, or a closed output (cli.entry ends it)
            except typer.Abort as aborted:  # Ctrl-C or end of input at a prompt
                raise typer.Exit(emit_error(name, KeyboardInterrupt(), as_json=as_json)) from (
                    aborted
                )
            except BaseException as error:
                if isinstance(error, SystemExit):
                    raise
                raise typer.Exit(emit_error(name, error, as_json=as_json)) from None
            raise typer.Exit(emit(name, result, as_json=as_json, text=text))

        return run  # type: ignore[return-value]

    return wrap
