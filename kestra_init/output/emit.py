"""The one place a command's outcome is printed: its result, or the error that ended it.

``emit`` prints a result: as the JSON envelope (``kestra_init.results``) with
``--json``, else with the command's own text renderer, followed by the error
that stopped the work part-way, if any. ``emit_error`` prints an error that
ended a command before it had a result, in the same two forms. Both return
the exit code the command ends with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from kestra_init.errors import KestraInitError, exit_code_for
from kestra_init.exit_codes import ExitCode
from kestra_init.output import error_report
from kestra_init.output.console import print_json
from kestra_init.output.error_report import render_error
from kestra_init.results import (
    CommandResult,
    error_envelope,
    final_exit_code,
    result_envelope,
    stopping_error,
)

R = TypeVar("R", bound=CommandResult)
TextRenderer = Callable[[Any], None]


def emit(command: str, result: R, *, as_json: bool, text: Callable[[R], None]) -> ExitCode:
    """Print ``result`` (``text`` renders it for people); return the final exit code."""
    if as_json:
        print_json(result_envelope(command, result))
    else:
        text(result)
        error = stopping_error(result)
        if error is not None:
            render_error(error)
    return final_exit_code(result)


def emit_error(command: str, error: BaseException, *, as_json: bool) -> ExitCode:
    """Print the error that ended ``command``; a bug gets a crash file, never a traceback."""

    if isinstance(error, KeyboardInterrupt):
        if as_json:
            print_json(error_envelope(command, error))
        return ExitCode.INTERRUPTED
    if isinstance(error, KestraInitError):
        if as_json:
            print_json(error_envelope(command, error))
        else:
            error_report.render_error(error)
        return exit_code_for(error)
    crash_file = error_report.report_internal_error(error)
    if as_json:
        print_json(error_envelope(command, error, crash_file=str(crash_file)))
    return ExitCode.INTERNAL
