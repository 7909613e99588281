"""The result of one check of the machine or the project, shared by `up` and `doctor`.

Checks live where what they look at lives (``stack/checks.py`` for Docker and
ports, ``project/checks.py`` for ``.env``, ``codespaces/checks.py`` for the
dev container); each returns a ``CheckResult``. `up` stops at the first
failure (raising its ``error``, whose category gives the exit code); `doctor`
lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from kestra_init.errors import KestraInitError


class Status(str, Enum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    key: str  # stable id, e.g. "docker-daemon"
    title: str  # what was checked, e.g. "Docker daemon reachable"
    status: Status
    detail: str = ""  # what was found
    fix: str = ""  # what to do when not passed
    error: KestraInitError | None = field(default=None, compare=False)  # raised by `up`

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    @property
    def details(self) -> list[str]:
        """What the failing tool said (e.g. Compose's YAML error), when the error kept it."""
        return list(self.error.details) if self.error is not None else []

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.key,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
            "details": self.details,
        }


def passed(key: str, title: str, detail: str = "") -> CheckResult:
    return CheckResult(key, title, Status.PASSED, detail)


def failed(key: str, title: str, error: KestraInitError, detail: str = "") -> CheckResult:
    return CheckResult(key, title, Status.FAILED, detail or error.what, error.fix, error)


def warning(key: str, title: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(key, title, Status.WARNING, detail, fix)


def skipped(key: str, title: str, detail: str) -> CheckResult:
    return CheckResult(key, title, Status.SKIPPED, detail)
