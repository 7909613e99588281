"""Executions: what a run of a flow does over time, its task runs, states and log lines.

Executions walk the top-level tasks only (a flowable task is one task run).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import new_id, now_iso
from .flow_text import FlowText, read_flow
from .tables import LOG_LEVELS, TENANT

if TYPE_CHECKING:
    from .store import FlowRecord, State

_DURATION_RE = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_INPUT_EXPR_RE = re.compile(
    r"\{\{\s*inputs(?:\.([A-Za-z0-9_]+)|\[\s*['\"]([^'\"]+)['\"]\s*\])\s*\}\}"
)


@dataclass
class TaskPlan:
    task_id: str
    task_type: str
    run_id: str
    start: float
    end: float
    final: str
    logs: list[tuple[float, str, str]]  # (time, level, message)
    # What the task run carries once it ended (a Return task's `value`; {} for most).
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Execution:
    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    inputs: dict[str, Any]
    labels: list[dict[str, str]]
    created: float
    running_at: float
    tasks: list[TaskPlan]
    end: float
    final: str
    stopped: tuple[float, str] | None = None  # (when, KILLED|CANCELLED|...) forced from outside
    log_delay: float = 0.0
    # afterExecution tasks: they run once the state is terminal, and the follow
    # stream sends `end` only after them (ExecutionService.isTerminated, 1.3).
    after: list[TaskPlan] = field(default_factory=list)
    # The flow's outputs, set when the execution ends (ExecutorService.onEnd).
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def stream_end(self) -> float:
        """When the follow stream sends `end`: after the afterExecution tasks."""
        end, _final = self._cut()
        return max([end, *(task.end for task in self.after)])

    def _cut(self) -> tuple[float, str]:
        if self.stopped and self.stopped[0] < self.end:
            return self.stopped
        return self.end, self.final

    def state_at(self, now: float) -> str:
        end, final = self._cut()
        if now >= end:
            return final
        if now >= self.running_at:
            return "RUNNING"
        return "CREATED"

    def snapshot(self, now: float) -> dict[str, Any]:
        end, final = self._cut()
        histories = [{"state": "CREATED", "date": now_iso(self.created)}]
        if now >= self.running_at and self.running_at < end:
            histories.append({"state": "RUNNING", "date": now_iso(self.running_at)})
        if self.stopped and self.stopped[0] < self.end and now >= end:
            histories.append({"state": "KILLING", "date": now_iso(end)})
        if now >= end:
            histories.append({"state": final, "date": now_iso(end)})
        runs = []
        for task in [*self.tasks, *self.after]:
            after = task in self.after
            if task.start > now or (task.start >= end and not after):
                continue
            task_end, task_final = task.end, task.final
            if end < task.end and not after:
                task_end, task_final = end, final if final in ("KILLED", "CANCELLED") else "KILLED"
            task_hist = [
                {"state": "CREATED", "date": now_iso(task.start)},
                {"state": "RUNNING", "date": now_iso(task.start)},
            ]
            current = "RUNNING"
            if now >= task_end:
                current = task_final
                task_hist.append({"state": task_final, "date": now_iso(task_end)})
            run: dict[str, Any] = {
                "id": task.run_id,
                "executionId": self.id,
                "namespace": self.namespace,
                "flowId": self.flow_id,
                "taskId": task.task_id,
                "value": None,
                "attempts": [{"state": {"current": current, "histories": task_hist}}],
                "state": {
                    "current": current,
                    "histories": task_hist,
                    "startDate": now_iso(task.start),
                    **({"endDate": now_iso(task_end)} if now >= task_end else {}),
                },
            }
            if now >= task_end:
                # The worker sets the outputs when the task ends ({} without any).
                run["outputs"] = dict(task.outputs) if task_final == task.final else {}
            runs.append(run)
        state = {
            "current": self.state_at(now),
            "histories": histories,
            "startDate": now_iso(self.created),
        }
        if now >= end:
            state["endDate"] = now_iso(end)
            state["duration"] = f"PT{max(end - self.created, 0):.3f}S"
        answer = {
            "id": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "inputs": self.inputs,
            "labels": self.labels,
            "state": state,
            "taskRunList": runs,
            "originalId": self.id,
            "deleted": False,
        }
        if now >= end and self.outputs and final == "SUCCESS":
            answer["outputs"] = dict(self.outputs)  # absent when empty (NON_EMPTY)
        return answer

    def url(self, kestra_url: str | None) -> str:
        """The execution's page, as Kestra 1.x puts it in the answer to the POST that
        started it (and nowhere else): from the configured ``kestra.url``, or a path
        alone when none is configured."""
        base = (kestra_url or "").rstrip("/")
        return f"{base}/ui/{TENANT}/executions/{self.namespace}/{self.flow_id}/{self.id}"

    def logs(self, now: float, min_level: str = "INFO") -> list[dict[str, Any]]:
        threshold = LOG_LEVELS.index(min_level) if min_level in LOG_LEVELS else 2
        end, _final = self._cut()
        entries = []
        for task in [*self.tasks, *self.after]:
            for moment, level, message in task.logs:
                visible = moment + self.log_delay <= now
                late = moment > end and task not in self.after
                if not visible or late or LOG_LEVELS.index(level) < threshold:
                    continue
                entries.append(
                    {
                        "namespace": self.namespace,
                        "flowId": self.flow_id,
                        "taskId": task.task_id,
                        "executionId": self.id,
                        "taskRunId": task.run_id,
                        "attemptNumber": 0,
                        "timestamp": now_iso(moment),
                        "level": level,
                        "thread": "worker",
                        "message": message,
                    }
                )
        entries.sort(key=lambda entry: entry["timestamp"])
        return entries


def _duration_seconds(text: str | None) -> float | None:
    match = _DURATION_RE.match(text or "")
    if not match or not any(match.groupdict().values()):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return (
        parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def _render(message: str, inputs: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        value = inputs.get(name)
        return match.group(0) if value is None else str(value)

    return _INPUT_EXPR_RE.sub(replace, message)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


class InputError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _coerce_inputs(
    flow: FlowText, fields: dict[str, str], files: dict[str, str], execution_id: str
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    declared = {item.keys.get("id"): item for item in flow.inputs if item.keys.get("id")}
    for name, item in declared.items():
        kind = (item.keys.get("type") or "STRING").upper()
        required = (item.keys.get("required") or "true").lower() != "false"
        default = item.keys.get("defaults")
        if kind == "FILE":
            if name in files:
                values[name] = (
                    f"kestra:///{flow.namespace.replace('.', '/')}/{flow.id}/executions/"
                    f"{execution_id}/inputs/{name}/{files[name]}"
                )
            elif required:
                raise InputError(
                    name, f"Invalid input for `{name}`, missing required input, but received `null`"
                )
            continue
        raw = fields.get(name, default)
        if raw is None:
            if required:
                raise InputError(
                    name, f"Invalid input for `{name}`, missing required input, but received `null`"
                )
            continue
        try:
            if kind == "INT":
                values[name] = int(raw)
            elif kind == "FLOAT":
                values[name] = float(raw)
            elif kind in ("BOOLEAN", "BOOL"):
                if str(raw).lower() not in ("true", "false"):
                    raise ValueError(f"'{raw}' is not a boolean")
                values[name] = str(raw).lower() == "true"
            else:
                values[name] = raw
        except ValueError as error:
            raise InputError(name, f"Invalid input for `{name}`, {error}") from None
    # Undeclared inputs are ignored by Kestra; the fake keeps a `fail` flag anyway.
    if "fail" in fields and "fail" not in values:
        values["fail"] = fields["fail"]
    return values


def plan_execution(
    state: State,
    record: FlowRecord,
    execution_id: str,
    inputs: dict[str, Any],
    labels: list[dict[str, str]],
) -> Execution:
    settings = state.settings
    flow = read_flow(record.source)
    created = time.time()
    moment = created + settings.queue_seconds
    running_at = moment
    tasks: list[TaskPlan] = []
    final = "SUCCESS"
    fail_first = _truthy(inputs.get("fail", False))
    for position, item in enumerate(flow.tasks):
        task_id = item.keys.get("id") or f"task{position}"
        task_type = item.keys.get("type") or ""
        short = task_type.rsplit(".", 1)[-1]
        seconds = settings.task_seconds
        if short == "Sleep":
            seconds = (_duration_seconds(item.keys.get("duration")) or 0) * settings.sleep_scale
        logs: list[tuple[float, str, str]] = []
        outputs: dict[str, Any] = {}
        outcome = "SUCCESS"
        if short == "Return":
            value = item.keys.get("format") or item.blocks.get("format")
            if value is not None:
                outputs["value"] = _render(value, inputs).rstrip("\n")
        if short == "Log":
            message = item.keys.get("message") or item.blocks.get("message") or ""
            level = (item.keys.get("level") or "INFO").upper()
            level = "WARN" if level == "WARNING" else level
            logs.append(
                (
                    moment,
                    level if level in LOG_LEVELS else "INFO",
                    _render(message, inputs).rstrip("\n"),
                )
            )
        if short == "Fail" or (fail_first and position == 0):
            reason = item.keys.get("errorMessage") or (
                "Failing because the input 'fail' is true" if fail_first else "Task failure"
            )
            allowed = short == "Fail" and _truthy(item.keys.get("allowFailure", "false"))
            outcome = "WARNING" if allowed else "FAILED"
            logs.append((moment + seconds, "WARN" if allowed else "ERROR", _render(reason, inputs)))
        tasks.append(
            TaskPlan(task_id, task_type, new_id(), moment, moment + seconds, outcome, logs, outputs)
        )
        moment += seconds
        if outcome == "FAILED":
            final = "FAILED"
            break
        if outcome == "WARNING":
            final = "WARNING"
    end = max(moment, running_at) + 0.01
    after: list[TaskPlan] = []
    moment = end
    for position, item in enumerate(flow.after_execution):
        message = item.keys.get("message") or item.blocks.get("message") or ""
        task_type = item.keys.get("type") or ""
        logs = [(moment, "INFO", _render(message, inputs).rstrip("\n"))] if message else []
        task_id = item.keys.get("id") or f"after{position}"
        after.append(
            TaskPlan(
                task_id,
                task_type,
                new_id(),
                moment,
                moment + settings.task_seconds,
                "SUCCESS",
                logs,
            )
        )
        moment += settings.task_seconds
    task_outputs = {task.task_id: task.outputs for task in tasks}
    outputs = {
        item.keys["id"]: _render_outputs(item.keys.get("value") or "", task_outputs)
        for item in flow.outputs
        if item.keys.get("id")
    }
    return Execution(
        execution_id,
        record.namespace,
        record.id,
        record.revision,
        inputs,
        labels,
        created,
        running_at,
        tasks,
        end,
        final,
        log_delay=settings.log_delay,
        after=after,
        outputs=outputs,
    )


_OUTPUT_EXPR_RE = re.compile(r"\{\{\s*outputs\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\s*\}\}")


def _render_outputs(value: str, task_outputs: dict[str, dict[str, Any]]) -> Any:
    """A flow output's value: ``{{ outputs.task.name }}`` of a task that ran, else the text."""
    whole = _OUTPUT_EXPR_RE.fullmatch(value.strip())
    if whole:
        return task_outputs.get(whole.group(1), {}).get(whole.group(2))
    return _OUTPUT_EXPR_RE.sub(
        lambda m: str(task_outputs.get(m.group(1), {}).get(m.group(2), "")), value
    )
