"""The shapes of what Kestra returns, reduced to what kestra-init uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
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
# FlowController's literal routes, which win over `/flows/{namespace}`: a namespace
# with one of these names cannot use the bulk namespace endpoint (kestra.md, 1.x).
LITERAL_FLOW_ROUTES = frozenset(
    {
        "validate",
        "import",
        "search",
        "bulk",
        "graph",
        "export",
        "delete",
        "disable",
        "enable",
        "distinct-namespaces",
    }
)
_ISO_DURATION = re.compile(r"^PT?(?:(?P<h>[\d.]+)H)?(?:(?P<m>[\d.]+)M)?(?:(?P<s>[\d.]+)S)?$")


def duration_seconds(text: Any) -> float | None:
    """Seconds in an ISO-8601 duration as Kestra writes them (``PT1M2.5S``), else None."""
    match = _ISO_DURATION.match(str(text or ""))
    if not match or not any(match.groupdict().values()):
        return None
    parts = {key: float(value) for key, value in match.groupdict().items() if value}
    return parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


def as_object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else empty: a server's odd answer never crashes us."""
    return value if isinstance(value, dict) else {}


def as_objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it, or a non-list, is dropped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _instant(value: Any) -> datetime | None:
    """An ISO-8601 instant as Kestra writes them (``2024-01-01T10:00:00.123Z``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        # Python 3.10's fromisoformat does not read the `Z` suffix.
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _seconds_between(state: dict[str, Any]) -> float | None:
    started, ended = _instant(state.get("startDate")), _instant(state.get("endDate"))
    if started is None or ended is None:
        return None
    return max((ended - started).total_seconds(), 0.0)


@dataclass(frozen=True)
class TaskRun:
    id: str
    task_id: str
    state: ExecutionState
    value: str | None = None
    # What the task returned (1.x: a plain map once it ended; opaque when in storage).
    outputs: dict[str, Any] = field(default_factory=dict)
    duration: float | None = None  # seconds, once it ended

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRun:
        state = as_object(data.get("state"))
        value = data.get("value")
        return cls(
            id=_text(data.get("id")),
            task_id=_text(data.get("taskId")),
            state=ExecutionState(_text(state.get("current"), "CREATED") or "CREATED"),
            value=value if isinstance(value, str) else None,
            outputs=as_object(data.get("outputs")),
            duration=_seconds_between(state),
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
    # The flow's outputs: Kestra sets them only when the execution ends.
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state.terminal

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Execution:
        state = as_object(data.get("state"))
        url = data.get("url")
        return cls(
            id=_text(data.get("id")),
            namespace=_text(data.get("namespace")),
            flow_id=_text(data.get("flowId")),
            state=ExecutionState(_text(state.get("current"), "CREATED") or "CREATED"),
            task_runs=tuple(TaskRun.from_json(run) for run in as_objects(data.get("taskRunList"))),
            inputs=as_object(data.get("inputs")),
            url=url if isinstance(url, str) else None,
            duration=duration_seconds(state.get("duration")),
            outputs=as_object(data.get("outputs")),
        )


@dataclass(frozen=True)
class FlowInput:
    """One input a flow declares, as ``GET /flows/{ns}/{id}`` describes it (1.x).

    ``required`` defaults to true; ``defaults`` is a Property, always a string
    (core/src/main/java/io/kestra/core/models/flows/Input.java, 1.3).
    """

    id: str
    type: str
    required: bool = True
    defaults: str | None = None
    values: tuple[str, ...] = ()  # SELECT, ENUM, MULTISELECT
    custom_values: bool = False  # allowCustomValue: any value goes

    @property
    def needs_a_value(self) -> bool:
        return self.required and self.defaults is None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowInput:
        # `name` is the deprecated spelling of `id`: Kestra takes the id from it.
        identifier = _text(data.get("id")) or _text(data.get("name"))
        values = data.get("values") or data.get("options") or []
        default = data.get("defaults")
        return cls(
            id=identifier,
            type=_text(data.get("type"), "STRING").upper() or "STRING",
            required=data.get("required") is not False,
            defaults=None if default is None else str(default),
            values=tuple(str(v) for v in values) if isinstance(values, list) else (),
            custom_values=data.get("allowCustomValue") is True,
        )


def declared_inputs(flow: dict[str, Any]) -> list[FlowInput]:
    """The inputs of a flow's JSON, in declaration order."""
    return [FlowInput.from_json(item) for item in as_objects(flow.get("inputs"))]


@dataclass(frozen=True)
class LogEntry:
    timestamp: str
    level: str
    task_id: str | None
    message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogEntry:
        task_id = data.get("taskId")
        return cls(
            timestamp=_text(data.get("timestamp")),
            level=_text(data.get("level"), "INFO") or "INFO",
            task_id=task_id if isinstance(task_id, str) else None,
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
        index = data.get("index")
        constraints = data.get("constraints")

        def texts(key: str) -> tuple[str, ...]:
            items = data.get(key)
            return tuple(str(item) for item in items) if isinstance(items, list) else ()

        return cls(
            index=index if isinstance(index, int) else 0,
            namespace=_text(data.get("namespace")) or None,
            flow=_text(data.get("flow")) or None,
            constraints=str(constraints) if constraints else None,
            warnings=texts("warnings"),
            infos=texts("infos"),
            deprecation_paths=texts("deprecationPaths"),
            errors=tuple(as_objects(data.get("errors"))),
        )
