"""`kestra-init logs`: the stack's log lines, one service or all, optionally followed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.errors import UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.project import require_project
from kestra_init.stack.compose import open_stack

# What `docker logs --since` takes: a Go duration (10m, 1h30m, 2.5h), a Unix time, or
# an RFC 3339 date or time (github.com/docker/docker api/types/time/timestamp.go).
SINCE_RE = re.compile(
    r"^(?:(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+"
    r"|\d+(?:\.\d+)?"
    r"|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)$"
)


@dataclass
class LogsResult:
    """The log lines of ``services``, as a stream read while it is printed."""

    services: list[str]
    lines: Iterator[str]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"services": self.services, "lines": list(self.lines)}


def logs(
    service: str | None = None,
    *,
    start: Path | None = None,
    compose_files: Sequence[Path] = (),
    follow: bool = False,
    tail: int | None = None,
    since: str | None = None,
) -> LogsResult:
    """Log lines as Compose gives them (prefixed by container when several services).

    The lines are read while they are printed (``--follow`` never ends by itself).
    """
    if tail is not None and tail < 0:
        raise UsageError(
            f"--tail {tail} is not a number of lines",
            "It counts lines from the end of each service's log.",
            "Give 0 or more, e.g. --tail 100",
        )
    if since is not None and not SINCE_RE.match(since):
        raise UsageError(
            f"--since {since!r} is not a time Docker understands",
            "It is a duration back from now or a point in time.",
            "Give e.g. --since 10m, --since 1h30m, --since 2026-12-01 or "
            "--since 2026-12-01T09:00:00Z",
        )
    project = require_project(start)
    stack = open_stack(project, compose_files)
    services = stack.config().services
    if service is not None and service not in services:
        raise UsageError(
            f"The stack has no service named '{service}'",
            f"Its services are: {', '.join(services)}.",
            f"Run `kestra-init logs {services[0] if services else 'SERVICE'}`, or leave the "
            "name out for every service",
        )
    if not stack.states():
        # Compose prints nothing for a stack without containers: say why instead of
        # leaving a first-time user in front of an empty screen.
        raise UsageError(
            f"The stack '{stack.config().name}' has no containers, so there are no logs",
            "It was never started here, or `kestra-init down` removed its containers "
            "(and their logs).",
            "Start it with `kestra-init up`, then run `kestra-init logs` again",
        )
    lines = stack.follow_logs([service] if service else [], follow=follow, tail=tail, since=since)
    return LogsResult(services=[service] if service else list(services), lines=lines)
