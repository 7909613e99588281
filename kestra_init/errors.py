"""Every error kestra-init raises on purpose, in one tree.

Each error a user can act on carries what happened, why, and what to do, in
that order, plus optional ``details`` (a log tail, what was applied before a
failure). Its category, the class it descends from, carries the exit code and
the name used in ``--json`` answers; nothing else chooses either::

    KestraInitError                  internal  70  (never raised itself)
    ├── UsageError                   usage      2  bad input, wrong place
    │   └── NotAProjectError                       no project found
    ├── EnvironmentProblem           environment 3  Docker, Compose, ports, files
    ├── KestraError                  kestra     4  the server
    │   ├── KestraUnreachable                      no answer at the URL
    │   ├── KestraAuthError                        401 or 403
    │   ├── KestraApiError                         an error status, with the server's words
    │   └── UnexpectedAnswer                       2xx that is not Kestra's JSON (a proxy page)
    ├── DeadlineExceeded             timeout    5  something did not happen in time
    └── Interrupted                  interrupted 130 Ctrl-C, with what was done so far

Domain modules raise the subclass that fits (``kestra/http_errors.py`` builds
the Kestra ones from what a server answered). The output layer only renders
them (``output/error_report.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from kestra_init.exit_codes import ExitCode


class KestraInitError(Exception):
    """An error with a message for the user: what, why, and how to fix it."""

    category: ClassVar[str] = "internal"
    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL

    def __init__(
        self,
        what: str,
        why: str = "",
        fix: str = "",
        *,
        details: Sequence[str] = (),
        details_title: str = "",
    ) -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.fix = fix
        # Extra lines shown after the message, e.g. the last log lines of a
        # container that failed, or the list of what was applied before a failure.
        self.details = list(details)
        self.details_title = details_title

    def __str__(self) -> str:
        return " ".join(part for part in (self.what, self.why, self.fix) if part)

    def to_json(self) -> dict[str, Any]:
        """The ``error`` member of a ``--json`` answer."""
        return {
            "category": self.category,
            "what": self.what,
            "why": self.why,
            "fix": self.fix,
            "details": list(self.details),
        }


class UsageError(KestraInitError):
    """Bad input: an argument, an answer, a path, or a command run in the wrong place."""

    category = "usage"
    exit_code = ExitCode.USAGE


class NotAProjectError(UsageError):
    """The command needs a kestra-init project and none was found."""


class EnvironmentProblem(KestraInitError):
    """The machine cannot do what was asked: Docker, Compose, ports, memory, files."""

    category = "environment"
    exit_code = ExitCode.ENVIRONMENT


class KestraError(KestraInitError):
    """Kestra could not be reached, refused the credentials or answered with an error."""

    category = "kestra"
    exit_code = ExitCode.KESTRA


class KestraUnreachable(KestraError):
    """No answer from Kestra at the URL used."""


class KestraAuthError(KestraError):
    """Kestra answered 401 or 403."""


class KestraApiError(KestraError):
    """Kestra answered with an error status; ``server_message`` is its own words."""

    def __init__(
        self,
        what: str,
        why: str = "",
        fix: str = "",
        *,
        status: int | None = None,
        server_message: str = "",
        details: Sequence[str] = (),
        details_title: str = "",
    ) -> None:
        super().__init__(what, why, fix, details=details, details_title=details_title)
        self.status = status
        self.server_message = server_message


class UnexpectedAnswer(KestraError):
    """A success status whose body is not what Kestra sends (HTML, text, another shape)."""


class DeadlineExceeded(KestraInitError):
    """Something did not happen within its deadline."""

    category = "timeout"
    exit_code = ExitCode.TIMEOUT


class Interrupted(KestraInitError):
    """Ctrl-C stopped the work: what was done, what was not, and how to go on."""

    category = "interrupted"
    exit_code = ExitCode.INTERRUPTED


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for any exception: its category's, 130 for Ctrl-C, else 70."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, KestraInitError):
        return error.exit_code
    return ExitCode.INTERNAL
