"""What every command returns, and the one JSON shape every ``--json`` answer has.

A command returns a result object that knows its exit code and its JSON
form (``CommandResult``). The output layer prints it: as text for people, or
as one envelope for machines, for success and failure alike::

    {
      "schema_version": 1,
      "command": "sync",
      "ok": false,
      "exit_code": 4,
      "data": {...},        # the result's own JSON, or null when it never got one
      "error": {"category": "kestra", "what": "...", "why": "...", "fix": "...",
                "details": [...]}   # or null
    }

``ok`` is ``exit_code == 0``. A result may also carry ``error``: a failure that
stopped the work part-way, after some of it was done (a sync whose server went
away): then both ``data`` and ``error`` are filled in.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from kestra_init.errors import KestraInitError, exit_code_for
from kestra_init.exit_codes import ExitCode

# Bumped on any change a script reading the envelope would notice.
SCHEMA_VERSION = 1


@runtime_checkable
class CommandResult(Protocol):
    """The result of one command."""

    @property
    def exit_code(self) -> ExitCode: ...

    def to_json(self) -> dict[str, Any]: ...


def stopping_error(result: CommandResult) -> KestraInitError | None:
    """The error that stopped ``result``'s work part-way, if it has one."""
    error = getattr(result, "error", None)
    return error if isinstance(error, KestraInitError) else None


def final_exit_code(result: CommandResult) -> ExitCode:
    """The code the command ends with: the stopping error's, else the result's."""
    error = stopping_error(result)
    return exit_code_for(error) if error is not None else result.exit_code


def envelope(
    command: str,
    *,
    exit_code: int,
    data: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The one object a ``--json`` answer is."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": exit_code == 0,
        "exit_code": int(exit_code),
        "data": data,
        "error": error,
    }


def result_envelope(command: str, result: CommandResult) -> dict[str, Any]:
    error = stopping_error(result)
    return envelope(
        command,
        exit_code=final_exit_code(result),
        data=result.to_json(),
        error=error.to_json() if error is not None else None,
    )


def error_envelope(command: str, error: BaseException, **extra: Any) -> dict[str, Any]:
    """The envelope of a command that ended in ``error`` before it had a result.

    ``extra`` adds members to the error object (a crash file's path).
    """
    if isinstance(error, KestraInitError):
        described = error.to_json()
    elif isinstance(error, KeyboardInterrupt):
        described = {
            "category": "interrupted",
            "what": "Interrupted (Ctrl-C)",
            "why": "",
            "fix": "",
            "details": [],
        }
    else:
        described = {
            "category": "internal",
            "what": f"kestra-init stopped on an unexpected {type(error).__name__}",
            "why": "This is a bug in kestra-init, not in your project.",
            "fix": "report it with the crash file named here",
            "details": [],
        }
    described.update(extra)
    return envelope(command, exit_code=exit_code_for(error), error=described)
