"""The shapes of what Kestra returns, reduced to what kestra-init uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ExecutionState(str, Enum):
    """An execution's or a task run's state, as Kestra names it.

    Kestra 1.x's ``State.Type`` (core/src/main/java/io/kestra/core/models/flows/State.java);
    a name this list lacks (a newer server) is kept as it came, and is not terminal.
    """

    CREATED = "CREATED"
    SUBMITTED = "SUBMITTED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    BREAKPOINT = "BREAKPOINT"
    RESTARTED = "RESTARTED"
    RETRYING = "RETRYING"
    KILLING = "KILLING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    RETRIED = "RETRIED"
    SKIPPED = "SKIPPED"
    RESUBMITTED = "RESUBMITTED"

    @classmethod
    def _missing_(cls, value: object) -> ExecutionState:
        # A state of a newer Kestra: a pseudo-member that keeps its name.
        member = str.__new__(cls, str(value))
        member._name_ = str(value)
        member._value_ = str(value)
        return member

    def __str__(self) -> str:
        return self.value

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


# An execution in one of these has ended (PAUSED has not). RESUBMITTED is terminal
# from 1.1 on: the execution was replaced by a new one (shared/reference/kestra.md).
TERMINAL_STATES = frozenset(
    {
        ExecutionState.SUCCESS,
        ExecutionState.WARNING,
        ExecutionState.FAILED,
        ExecutionState.KILLED,
        ExecutionState.CANCELLED,
        ExecutionState.RETRIED,
        ExecutionState.SKIPPED,
        ExecutionState.RESUBMITTED,
    }
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
    state: ExecutionState
    value: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRun:
        return cls(
            id=str(data.get("id", "")),
            task_id=str(data.get("taskId", "")),
            state=ExecutionState(str((data.get("state") or {}).get("current", "CREATED"))),
            value=data.get("value"),
        )


@dataclass(frozen=True)
class Execution:
    id: str
    namespace: str
    flow_id: str
    state: ExecutionState
    task_runs: tuple[TaskRun, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    duration: float | None = None  # seconds, once it ended

    @property
    def finished(self) -> bool:
        return self.state.terminal

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Execution:
        state = data.get("state") or {}
        return cls(
            id=str(data.get("id", "")),
            namespace=str(data.get("namespace", "")),
            flow_id=str(data.get("flowId", "")),
            state=ExecutionState(str(state.get("current", "CREATED"))),
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
