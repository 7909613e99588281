"""The console script's entry point: run the app, end every run with an exit code.

Errors inside a command are printed by the command's own wrapper
(``cli.reporting``). What reaches this module is what happens outside one:
Typer's own usage errors (an unknown option, a value it cannot convert), a
closed output (``| head``), and, as the last line of defence, anything else.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
import sys
from collections.abc import Sequence

import typer
from typer.main import get_command_name
from typer.models import CommandInfo

from kestra_init.cli import verbs  # noqa: F401 - registers every command on `app`
from kestra_init.cli.root import app
from kestra_init.errors import UsageError
from kestra_init.exit_codes import ExitCode


def main() -> None:
    """Run the app; turn every way of ending into a message and an exit code."""
    # The garbage collector (why, measured on an unchanged sync of 2,000 flows with
    # gc.callbacks): what the imports made lives until the process ends, so it is
    # set aside now and later collections do not walk it again; at the end all of
    # it is set aside, so that Python's last collection at exit, 40-60 ms spent
    # on objects the process is about to drop, is skipped. Exit handlers,
    # flushing and closing still run; collections during the run (`sync --watch`
    # runs for hours) still free what the run no longer holds.
    gc.freeze()
    try:
        code = _run()
    except BrokenPipeError:
        code = _output_closed()
    except SystemExit as stop:
        # Typer turns a BrokenPipeError inside a command into SystemExit(1),
        # our "findings" code; the error it handled is the exit's context.
        if not isinstance(stop.__context__, BrokenPipeError):
            raise
        code = _output_closed()
    finally:
        gc.freeze()
    raise SystemExit(int(code or 0))


def _run() -> int:
    try:
        code = app_for(sys.argv[1:])(standalone_mode=False)
    except BrokenPipeError:
        raise  # main() ends the command quietly, whatever caught it
    except Exception as error:  # the last line of defence against tracebacks
        return _outside_a_command(error)
    except KeyboardInterrupt:  # Ctrl-C before a command started (while parsing)
        return ExitCode.INTERRUPTED
    return int(code or 0)


def app_for(argv: Sequence[str]) -> typer.Typer:
    """The app with only the command ``argv`` names, when it names one.

    Typer turns every command's signature into click options before it runs
    any: 14 commands cost each run ~25 ms (``python -m cProfile -m kestra_init
    --version``), one costs ~3 ms. The root has no option that takes a value,
    so the first argument that is not an option is the command's name; without
    one (``--help``, ``--version``) or with a name no command has (Typer then
    says "No such command"), every command is there.
    """
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    chosen = [info for info in app.registered_commands if _name_of(info) == name]
    if not chosen:
        return app
    trimmed = copy.copy(app)
    trimmed.registered_commands = chosen  # a list of its own: `app` keeps every command
    return trimmed


def _name_of(info: CommandInfo) -> str | None:
    if info.name:
        return info.name
    return get_command_name(info.callback.__name__) if info.callback else None


def _outside_a_command(error: Exception) -> int:
    from kestra_init.output.emit import emit_error

    argv = sys.argv[1:]
    as_json = json_requested(argv)
    command = command_name(argv)
    if not _is_click_exception(error):
        return emit_error(command, error, as_json=as_json)
    code = int(getattr(error, "exit_code", ExitCode.USAGE))
    if as_json and code != 0:
        # A usage error found by Typer itself (unknown option, bad value): the
        # caller asked for JSON, so the answer is still the envelope.
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        usage = UsageError(
            message,
            "The command line does not match the command's options.",
            f"see `kestra-init {command} --help`" if command else "see `kestra-init --help`",
        )
        return emit_error(command or "kestra-init", usage, as_json=True)
    error.show()  # type: ignore[attr-defined]
    return code


def json_requested(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON (``--json``, ``--format json``)."""
    for index, arg in enumerate(argv):
        if arg == "--json" or arg == "--format=json":
            return True
        if arg == "--format" and index + 1 < len(argv) and argv[index + 1] == "json":
            return True
    return False


def command_name(argv: Sequence[str]) -> str:
    """The command named on the command line ("" when none is)."""
    from typer.main import get_command

    known = set(getattr(get_command(app), "commands", {}))
    return next((arg for arg in argv if arg in known), "")


def _output_closed() -> ExitCode:
    """The reader of our output went away (`| head -1`): stop writing, say nothing.

    What is still buffered would fail again when Python flushes at exit (a
    second BrokenPipeError, printed as "Exception ignored"), so the standard
    streams are pointed at the null device first (Python's documented recipe).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # A stream replaced or already closed has nothing left to flush.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return ExitCode.OUTPUT_CLOSED


def _is_click_exception(error: Exception) -> bool:
    # Typer ships its own copy of click; its usage errors have show() and exit_code.
    return hasattr(error, "show") and hasattr(error, "exit_code")
