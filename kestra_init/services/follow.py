"""Start one execution and follow it to its end: task states and log lines as they come.

Following uses Kestra's SSE stream (``/executions/{id}/follow``) and falls back to
polling when the server has none or the stream keeps breaking. The stream is
re-opened every few seconds of silence so that log lines of a long task show
up while it runs. Logs are read with ``/logs/{id}`` whenever a task changes
state, after a quiet spell, and once more at the end.

Used by `run` and by `up --smoke`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kestra_init.errors import DeadlineExceeded, Interrupted, KestraApiError, UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.connection import Connection
from kestra_init.kestra.models import Execution, ExecutionState, LogEntry
from kestra_init.kestra.sse import FollowInterrupted, ServerEvent

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

# How long the follow stream may stay silent before it is re-opened (and logs read).
QUIET_REFRESH = 3.0
# Seconds after the terminal state to wait for the stream's `end` (afterExecution tasks).
END_GRACE = 30.0
POLL_INTERVAL = 0.5
LATE_LOGS_GRACE = 0.5  # seconds to wait for the last log lines of a failed run
# Consecutive broken streams after which polling takes over.
STREAM_FAILURES_BEFORE_POLLING = 3
STREAM_RETRY_PAUSE = 0.25  # seconds before re-opening a broken stream, times the failures

STATE_EXIT_CODES: Mapping[ExecutionState, ExitCode] = {
    ExecutionState.SUCCESS: ExitCode.OK,
    ExecutionState.WARNING: ExitCode.RUN_WARNING,
    ExecutionState.FAILED: ExitCode.FINDINGS,
    ExecutionState.KILLED: ExitCode.RUN_KILLED,
    ExecutionState.CANCELLED: ExitCode.RUN_CANCELLED,
    ExecutionState.RETRIED: ExitCode.FINDINGS,  # the attempt failed and was retried elsewhere
    ExecutionState.SKIPPED: ExitCode.RUN_CANCELLED,  # it never ran
    # 1.1 and later: replaced by a new execution, so this one did not complete.
    ExecutionState.RESUBMITTED: ExitCode.FINDINGS,
}


@dataclass(frozen=True)
class RunUpdate:
    """Reported while following: the execution as last seen and log lines new since."""

    execution: Execution
    new_logs: tuple[LogEntry, ...] = ()
    link: str = ""


@dataclass
class RunResult:
    namespace: str
    flow_id: str
    execution: Execution
    link: str
    waited: bool
    logs: list[LogEntry] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        if not self.waited:
            return ExitCode.OK
        return STATE_EXIT_CODES.get(self.execution.state, ExitCode.FINDINGS)

    def to_json(self) -> dict[str, Any]:
        execution = self.execution
        return {
            "namespace": self.namespace,
            "flow_id": self.flow_id,
            "execution_id": execution.id,
            "state": execution.state.value,
            "link": self.link,
            "waited": self.waited,
            "duration_seconds": execution.duration,
            "task_runs": [
                {
                    "task_id": r.task_id,
                    "state": r.state.value,
                    "duration_seconds": r.duration,
                    "outputs": r.outputs,
                }
                for r in execution.task_runs
            ],
            "outputs": execution.outputs,
            "logs": [
                {
                    "timestamp": e.timestamp,
                    "level": e.level,
                    "task_id": e.task_id,
                    "message": e.message,
                }
                for e in self.logs
            ],
        }


UpdateCallback = Callable[[RunUpdate], None]


class _Follower:
    def __init__(
        self, client: KestraClient, execution: Execution, link: str, on_update: UpdateCallback
    ) -> None:
        self.client = client
        self.execution = execution
        self.link = link
        self.on_update = on_update
        self.logs: list[LogEntry] = []
        self._seen: set[tuple[str, str | None, str]] = set()
        self._last_fingerprint: tuple[object, ...] = ()
        self.ended = False  # the stream sent `end`: nothing more will happen
        self._finished_at: float | None = None

    def _done(self, streaming: bool) -> bool:
        """Followed to its end: the stream's `end`, or (bounded) its terminal state.

        Kestra sends `end` once the afterExecution tasks and listeners are done too,
        which can be after the state turned terminal; their log lines come meanwhile.
        """
        if self.ended:
            return True
        if not self.execution.finished:
            return False
        if not streaming:
            return True  # polling: no `end` to wait for
        now = time.monotonic()
        self._finished_at = self._finished_at or now
        return now - self._finished_at >= END_GRACE

    def _fingerprint(self, execution: Execution) -> tuple[object, ...]:
        return (execution.state, tuple((r.task_id, r.state) for r in execution.task_runs))

    def _read_logs(self) -> tuple[LogEntry, ...]:
        fresh = []
        for entry in self.client.logs(self.execution.id):
            if entry.key not in self._seen:
                self._seen.add(entry.key)
                fresh.append(entry)
        self.logs.extend(fresh)
        return tuple(fresh)

    def _update(self, execution: Execution, *, read_logs: bool | None = None) -> None:
        changed = self._fingerprint(execution) != self._last_fingerprint
        self.execution = execution
        self._last_fingerprint = self._fingerprint(execution)
        fresh = self._read_logs() if (changed if read_logs is None else read_logs) else ()
        if changed or fresh:
            self.on_update(RunUpdate(execution, fresh, self.link))

    def follow(self, deadline: float | None) -> Execution:
        self.on_update(RunUpdate(self.execution, (), self.link))
        streaming, failures = True, 0
        while not self._done(streaming):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise _Timeout
            if not streaming:
                self._update(self.client.execution(self.execution.id), read_logs=True)
                if not self.execution.finished:
                    time.sleep(min(POLL_INTERVAL, remaining or POLL_INTERVAL))
                continue
            wait = QUIET_REFRESH if remaining is None else max(min(QUIET_REFRESH, remaining), 0.05)
            try:
                stream = self.client.follow(self.execution.id, read_timeout=wait)
                with closing(stream):
                    useful = self._read_stream(stream, deadline)
            except FollowInterrupted as interrupted:
                if interrupted.quiet:
                    self._read_quietly()
                    continue
                useful = False
            except KestraApiError as error:
                if error.status is not None and error.status < 500:
                    streaming = False  # this server has no follow stream: poll
                    continue
                raise
            if useful:
                failures = 0
                continue
            # A broken stream, or one that closed without a usable event (a proxy
            # answering 200 and hanging up): a failure, retried after a pause, so
            # that a bad stream never turns into a hot loop of reconnections.
            failures += 1
            streaming = failures < STREAM_FAILURES_BEFORE_POLLING
            if streaming:
                pause = STREAM_RETRY_PAUSE * failures
                time.sleep(pause if remaining is None else max(min(pause, remaining), 0))
        # Kestra stores log lines asynchronously: some land just after the end. Read
        # them once more, and after a failure once again a moment later, because the
        # error line is the one a person needs.
        fresh = self._read_logs()
        if self.execution.state is not ExecutionState.SUCCESS:
            time.sleep(LATE_LOGS_GRACE)
            fresh += self._read_logs()
        if fresh:
            self.on_update(RunUpdate(self.execution, fresh, self.link))
        return self.execution

    def _read_stream(self, stream: Iterator[ServerEvent], deadline: float | None) -> bool:
        """Apply the stream's events; whether any of them told us the execution's state."""
        useful = False
        for event in stream:
            data = event.json() if event.name in ("progress", "end") else None
            if isinstance(data, dict) and data.get("state"):
                self._update(Execution.from_json(data))
                useful = True
            if event.name == "end" and useful:
                self.ended = True
                return True
            if deadline is not None and time.monotonic() >= deadline:
                raise _Timeout
        return useful

    def _read_quietly(self) -> None:
        fresh = self._read_logs()
        if fresh:
            self.on_update(RunUpdate(self.execution, fresh, self.link))


class _Timeout(Exception):
    pass


def start_and_follow(
    client: KestraClient,
    connection: Connection,
    namespace: str,
    flow_id: str,
    *,
    inputs: Mapping[str, str] | None = None,
    files: Mapping[str, tuple[str, bytes]] | None = None,
    wait: bool = True,
    timeout: float | None = None,
    on_update: UpdateCallback | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunResult:
    """Start one execution; with ``wait``, follow it until it ends or ``timeout`` passes."""
    started_at = time.monotonic()
    try:
        execution = client.run(namespace, flow_id, inputs=inputs, files=files)
    except KestraApiError as error:
        raise _run_refused(error, namespace, flow_id, client.connection.url) from None
    link = connection.execution_link(namespace, flow_id, execution.id, environ)
    result = RunResult(namespace, flow_id, execution, link, waited=wait)
    if not wait:
        return result
    deadline = None if timeout is None else started_at + timeout
    return _follow(client, result, deadline, timeout, on_update)


def attach(
    client: KestraClient,
    connection: Connection,
    execution_id: str,
    *,
    timeout: float | None = None,
    on_update: UpdateCallback | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunResult:
    """Follow an execution that was started before (by `run`, the UI, a schedule)."""
    try:
        execution = client.execution(execution_id)
    except KestraApiError as error:
        if error.status != 404:
            raise
        raise UsageError(
            f"There is no execution {execution_id} on {client.connection.url}",
            "Kestra answered 404 for that id.",
            "check the id (run prints it when it starts; the UI shows it on the execution's "
            "page), and that this is the server that ran it",
        ) from None
    link = connection.execution_link(execution.namespace, execution.flow_id, execution.id, environ)
    result = RunResult(execution.namespace, execution.flow_id, execution, link, waited=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    return _follow(client, result, deadline, timeout, on_update)


def _follow(
    client: KestraClient,
    result: RunResult,
    deadline: float | None,
    timeout: float | None,
    on_update: UpdateCallback | None,
) -> RunResult:
    execution, link = result.execution, result.link
    where = f"{result.namespace}/{result.flow_id}"
    follower = _Follower(client, execution, link, on_update or (lambda update: None))
    try:
        result.execution = follower.follow(deadline)
    except _Timeout:
        raise DeadlineExceeded(
            f"execution {execution.id} of {where} did not end within {timeout:g} s (--timeout)",
            f"It is {follower.execution.state} on the server: kestra-init stopped waiting, "
            "the execution goes on.",
            f"follow it again with `kestra-init attach {execution.id}`, or open {link}",
            details=[f"execution {execution.id}", link],
        ) from None
    except KeyboardInterrupt:
        raise Interrupted(
            f"Stopped following execution {execution.id} of {where}",
            f"Ctrl-C stops the watching, not the execution: it is "
            f"{follower.execution.state} on the server and goes on.",
            f"follow it again with `kestra-init attach {execution.id}`, or open {link}",
            details=[f"execution {execution.id}", link],
        ) from None
    finally:
        result.logs = follower.logs
    return result


def _run_refused(error: KestraApiError, namespace: str, flow_id: str, url: str) -> Exception:
    said = error.server_message or error.what
    if error.status == 404:
        return UsageError(
            f"There is no flow {namespace}/{flow_id} on {url}",
            f"Kestra answered 404 ({said}).",
            "load it with `kestra-init sync` (or check the namespace and id), then run again",
        )
    if error.status in (400, 422):
        return UsageError(
            f"Kestra refused to start {namespace}/{flow_id}",
            f"The server said: {said}.",
            "fix or add the inputs the server names: --input KEY=VALUE, and KEY=@path for a "
            "FILE input",
        )
    if error.status == 409:
        error.fix = "enable the flow (or fix it: an invalid flow cannot run) and run again"
    return error
