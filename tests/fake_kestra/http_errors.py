"""The errors the fake answers with, as Kestra 1.x (or 2.0's problem+json) writes them."""

from __future__ import annotations

from .flow_text import Violation


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str = "",
        errors: list[dict[str, str]] | None = None,
        *,
        empty: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.empty = empty


def unprocessable(violations: list[Violation], prefix: str = "Invalid entity: ") -> HttpError:
    message = prefix + ", ".join(v.text() for v in violations)
    return HttpError(422, message, [{"message": v.text(), "path": v.path} for v in violations])
