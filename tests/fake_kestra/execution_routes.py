"""Execution endpoints: run a flow, read, kill, follow (SSE), logs."""

from __future__ import annotations

import json
import select
import socket
import time
from typing import Any

from .clock import new_id
from .executions import Execution, InputError, _coerce_inputs, plan_execution
from .flow_text import Violation, read_flow
from .http_errors import HttpError, unprocessable
from .tables import TERMINAL_STATES


class ExecutionRoutes:
    """Route handlers, mixed into the request handler (``server.Handler``)."""

    # Executions -----------------------------------------------------------
    def run_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        state = self.server.state
        fields: dict[str, str] = {}
        files: dict[str, str] = {}
        if body:
            for name, filename, data in self._multipart(body):
                if filename is not None:
                    files[name] = filename
                else:
                    fields[name] = data.decode()
        labels = []
        for label in query.get("labels", []):
            key, _, value = label.partition(":")
            labels.append({"key": key, "value": value})
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                raise HttpError(404, f"Flow not found: {namespace}.{flow_id}")
            flow = read_flow(record.source)
            if record.disabled or flow.keys.get("disabled") == "true":
                raise HttpError(409, "Cannot execute a disabled flow")
            execution_id = new_id()
            try:
                inputs = _coerce_inputs(flow, fields, files, execution_id)
            except InputError as error:
                raise unprocessable([Violation(f"inputs.{error.name}", str(error))]) from None
            execution = plan_execution(state, record, execution_id, inputs, labels)
            state.executions[execution.id] = execution
        if query.get("wait", ["false"])[0] == "true":
            while execution.state_at(time.time()) not in TERMINAL_STATES:
                time.sleep(0.02)
        answer = execution.snapshot(time.time())
        answer["url"] = execution.url(state.settings.kestra_url)
        self._json(200, answer)

    def _execution(self, execution_id: str) -> Execution:
        with self.server.state.lock:
            execution = self.server.state.executions.get(execution_id)
        if execution is None:
            raise HttpError(404, f"Unable to find the execution {execution_id}")
        return execution

    def get_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        self._json(200, self._execution(execution_id).snapshot(time.time()))

    def kill_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        if execution.state_at(time.time()) in TERMINAL_STATES:
            raise HttpError(409, "Execution is already finished")
        execution.stopped = (time.time(), "KILLED")
        self._send(202)

    def _sse_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self._record(200)
        self.end_headers()
        self.close_connection = True

    def _sse(self, event_id: str, data: Any) -> None:
        self.wfile.write(f"id: {event_id}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def follow_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        """The SSE stream: `start`, `progress` (the execution), `end` (event names in `id`).

        `end` comes once the afterExecution tasks are done too, which can be after the
        state turned terminal (ExecutionStreamingService, 1.3). An unknown id gets a
        200 and `start`, then the stream breaks (Kestra waits about 10 s first).
        """
        with self.server.state.lock:
            execution = self.server.state.executions.get(execution_id)
        self._sse_start()
        self._sse("start", {"id": execution_id, "deleted": False})
        if execution is None:
            time.sleep(self.server.state.settings.unknown_follow_seconds)
            return
        snapshot = execution.snapshot(time.time())
        if time.time() >= execution.stream_end:
            self._sse("end", snapshot)
            return
        self._sse("progress", snapshot)
        last = _fingerprint(snapshot)
        while True:
            time.sleep(0.02)
            now = time.time()
            snapshot = execution.snapshot(now)
            if now >= execution.stream_end and snapshot["state"]["current"] in TERMINAL_STATES:
                self._sse("progress", snapshot)
                self._sse("end", snapshot)
                return
            current = _fingerprint(snapshot)
            if current != last:
                self._sse("progress", snapshot)
                last = current

    def get_logs(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        level = query.get("minLevel", ["INFO"])[0].upper()
        self._json(200, execution.logs(time.time(), level))

    def follow_logs(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        level = query.get("minLevel", ["INFO"])[0].upper()
        self._sse_start()
        sent = 0
        # Kestra's stream stays open after the execution ends (it never sends an end
        # event): it closes when the client leaves. Bounded here, so a test that forgets
        # to close it cannot hang the server.
        closes_at = time.monotonic() + self.server.state.settings.follow_limit
        while time.monotonic() < closes_at:
            entries = execution.logs(time.time(), level)
            for entry in entries[sent:]:
                self._sse("progress", entry)
            sent = len(entries)
            if self._client_left():
                return
            time.sleep(0.05)

    def _client_left(self) -> bool:
        """The client closed its end of the connection (it sends nothing on an SSE stream)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


def _fingerprint(snapshot: dict[str, Any]) -> tuple[Any, ...]:
    return (
        snapshot["state"]["current"],
        tuple((r["taskId"], r["state"]["current"]) for r in snapshot["taskRunList"]),
    )
