"""The shapes of what Kestra returns, reduced to what kestra-init uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Kestra's execution states (1.x; newer builds add SUBMITTED, BREAKPOINT, RESUBMITTED).
TERMINAL_STATES = frozenset(
    {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"}
)
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
# Kestra 1.x's bulk namespace endpoint splits its body on this text wherever it
# appears (even inside a block scalar): a flow holding it must go on its own.
BULK_SEPARATOR = "---"
_ISO_DURATION = re.compile(r"^PT?(?:(?P<h>[\d.]+)H)?(?:(?P<m>[\d.]+)M)?(?:(?P<s>[\d.]+)S)?$")


def duration_seconds(text: Any) -> float | None:
    """Seconds in an ISO-8601 duration as Kestra writes them (``PT1M2.5S``), else None."""
    match = _ISO_DURATION.match(str(text or ""))
    if not match or not any(match.groupdict().values()):
        return None
    parts = {key: float(value) for key, value in match.groupdict().items() if value}
    return parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


@dataclass(frozen=True)
class TaskRun:
    id: str
    task_id: str
    state: str
    value: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRun:
        return cls(
            id=str(data.get("id", "")),
            task_id=str(data.get("taskId", "")),
            state=str((data.get("state") or {}).get("current", "CREATED")),
            value=data.get("value"),
        )


@dataclass(frozen=True)
class Execution:
    id: str
    namespace: str
    flow_id: str
    state: str
    task_runs: tuple[TaskRun, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    duration: float | None = None  # seconds, once it ended

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Execution:
        state = data.get("state") or {}
        return cls(
            id=str(data.get("id", "")),
            namespace=str(data.get("namespace", "")),
            flow_id=str(data.get("flowId", "")),
            state=str(state.get("current", "CREATED")),
            task_runs=tuple(TaskRun.from_json(run) for run in data.get("taskRunList") or []),
            inputs=dict(data.get("inputs") or {}),
            url=data.get("url"),
            duration=duration_seconds(state.get("duration")),
        )


@dataclass(frozen=True)
class LogEntry:
    timestamp: str
    level: str
    task_id: str | None
    message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogEntry:
        return cls(
            timestamp=str(data.get("timestamp", "")),
            level=str(data.get("level", "INFO")),
            task_id=data.get("taskId"),
            message=str(data.get("message", "")),
        )

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What tells two entries apart when logs are fetched again."""
        return (self.timestamp, self.task_id, self.message)


@dataclass(frozen=True)
class FlowValidation:
    """The server's verdict on one document sent to /flows/validate."""

    index: int
    namespace: str | None
    flow: str | None
    constraints: str | None
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()
    deprecation_paths: tuple[str, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()  # newer builds: [{detail, pointer, path}]

    @property
    def valid(self) -> bool:
        return not self.constraints and not self.errors

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowValidation:
        return cls(
            index=int(data.get("index") or 0),
            namespace=data.get("namespace"),
            flow=data.get("flow"),
            constraints=data.get("constraints") or None,
            warnings=tuple(str(w) for w in data.get("warnings") or []),
            infos=tuple(str(i) for i in data.get("infos") or []),
            deprecation_paths=tuple(str(p) for p in data.get("deprecationPaths") or []),
            errors=tuple(e for e in data.get("errors") or [] if isinstance(e, dict)),
        )
