"""The fake as tests drive it: in this process (``FakeKestra``) or as a subprocess."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from .executions import Execution
from .faults import Fault
from .flow_text import read_flow
from .server import Handler, _Server
from .store import FlowRecord, RequestRecord, Settings, State


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class FakeKestra:
    """The fake server in this process: start(), stop(), and the test controls."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        management_port: int = 0,
        username: str | None = "admin@kestra.local",
        password: str | None = "Admin1234",
        **settings: Any,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.management_port = management_port or free_port(host)
        self.state = State(Settings(username=username, password=password, **settings))
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._opener: threading.Thread | None = None
        self._stopping = threading.Event()
        self.listening = threading.Event()

    # Lifecycle --------------------------------------------------------------
    def start(self) -> FakeKestra:
        """Start listening; after ``stop()``, again on the same ports with what it stored
        (a server that restarts)."""
        self._stopping.clear()
        settings = self.state.settings
        self.state.ready_at = time.monotonic() + settings.startup_delay
        if settings.startup_delay and settings.startup_mode == "refuse":
            self._opener = threading.Thread(target=self._open_later, daemon=True)
            self._opener.start()
        else:
            self._open()
        return self

    def _open_later(self) -> None:
        if not self._stopping.wait(self.state.settings.startup_delay):
            self._open()

    def _open(self) -> None:
        for port, role in ((self.port, "api"), (self.management_port, "management")):
            server = _Server((self.host, port), Handler, self.state, role)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        self.listening.set()

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
            server.drop_connections()
        self._servers.clear()

    def __enter__(self) -> FakeKestra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Addresses --------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://{self.host}:{self.management_port}"

    @property
    def username(self) -> str | None:
        return self.state.settings.username

    @property
    def password(self) -> str | None:
        return self.state.settings.password

    # Request log --------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        with self.state.lock:
            return list(self.state.requests)

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen (method exact, path a regular expression searched in the path)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        )

    def writes(self) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if r.method in ("POST", "PUT", "DELETE") and "/validate" not in r.path
        ]

    # Faults ---------------------------------------------------------------
    def fail(
        self,
        path: str,
        status: int = 500,
        times: int | None = 1,
        *,
        method: str | None = None,
        body: str | bytes | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` requests whose path matches regex ``path``."""
        with self.state.lock:
            self.state.faults.append(Fault(path, "status", times, method, status=status, body=body))

    def slow(
        self, path: str, seconds: float, times: int | None = None, *, method: str | None = None
    ) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(path, "slow", times, method, seconds=seconds))

    def drop(self, path: str, times: int | None = 1, *, method: str | None = None) -> None:
        """Close the connection without an answer for the next ``times`` matching requests."""
        with self.state.lock:
            self.state.faults.append(Fault(path, "drop", times, method))

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    # Stored data --------------------------------------------------------------
    def flows(self) -> dict[tuple[str, str], FlowRecord]:
        """The live flows by (namespace, id)."""
        with self.state.lock:
            return {k: v for k, v in self.state.flows.items() if not v.deleted}

    def flow_source(self, namespace: str, flow_id: str) -> str | None:
        record = self.flows().get((namespace, flow_id))
        return record.source if record else None

    def put_flow(self, source: str) -> FlowRecord:
        """Store a flow directly (as if made in the UI), whatever the request log says."""
        flow = read_flow(source)
        if not flow.valid:
            raise ValueError(flow.constraints())
        with self.state.lock:
            return self.state.save_flow(flow, source)

    def namespace_files(self, namespace: str) -> dict[str, bytes]:
        with self.state.lock:
            return dict(self.state.files.get(namespace, {}))

    def executions(self) -> list[Execution]:
        with self.state.lock:
            return list(self.state.executions.values())

    def stop_execution(self, execution_id: str, final: str = "KILLED") -> None:
        """End a running execution from outside (KILLED, CANCELLED...)."""
        with self.state.lock:
            self.state.executions[execution_id].stopped = (time.time(), final)


@dataclass
class FakeProcess:
    """A fake server running as a subprocess (see ``start_subprocess``)."""

    process: subprocess.Popen
    url: str
    management_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_subprocess(
    *args: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    management_port: int | None = None,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    wait: bool = True,
) -> FakeProcess:
    """Run the fake as a program on free ports; wait for its "listening" line unless told not to."""
    port = port or free_port(host)
    management_port = management_port or free_port(host)
    command = [
        python,
        os.path.dirname(os.path.abspath(__file__)),  # the package folder: its __main__
        "--host",
        host,
        "--port",
        str(port),
        "--management-port",
        str(management_port),
        *args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    handle = FakeProcess(process, f"http://{host}:{port}", f"http://{host}:{management_port}")
    if wait:
        line = process.stdout.readline() if process.stdout else ""
        if "listening" not in line:
            handle.stop()
            raise RuntimeError(f"the fake Kestra did not start: {line!r}")
    return handle
