"""The errors kestra-init raises on purpose.

Every error a user can act on is one of these: it carries what happened, why,
and what to do, in that order. The output layer (``kestra_init.output.errors``)
is the one place that turns them into a message and an exit code; nothing else
prints an error or picks an exit code for one.

Domain modules raise subclasses of the category that fits (for example the
HTTP client raises its own ``KestraAuthError``); the category decides the exit
code.
"""

from __future__ import annotations

from collections.abc import Sequence


class KestraInitError(Exception):
    """An error with a message for the user: what, why, and how to fix it."""

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


class UsageError(KestraInitError):
    """Bad input: an argument, an answer, a path, or a command run in the wrong place."""


class NotAProjectError(UsageError):
    """The command needs a kestra-init project and none was found."""


class EnvironmentProblem(KestraInitError):
    """The machine cannot do what was asked: Docker, Compose, ports, memory, files."""


class KestraError(KestraInitError):
    """Kestra could not be reached, refused the credentials or answered with an error."""


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


class DeadlineExceeded(KestraInitError):
    """Something did not happen within its deadline."""
