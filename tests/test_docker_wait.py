"""Waiting for a Docker daemon that starts late, and the fix that names the platform.

The socket side runs for real: a Unix socket that answers Docker's ``/_ping``
the way the engine does, appearing after a delay, as docker-in-docker's dockerd
does in a codespace.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kestra_init.exit_codes import ExitCode
from kestra_init.stack import docker_wait
from kestra_init.stack.docker_wait import DaemonState, ping, socket_address, start_fix
from tests.helpers import assert_no_traceback

ENGINE_PING = b"HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Length: 2\r\n\r\nOK"


class PingServer:
    """A Unix socket answering every request with ``answer``, created after ``delay``."""

    def __init__(self, path: Path, delay: float = 0.0, answer: bytes = ENGINE_PING) -> None:
        self.path, self.delay, self.answer = path, delay, answer
        self.appeared: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        if self._stop.wait(self.delay):
            return
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(self.path))
            server.listen(8)
            server.settimeout(0.05)
            self.appeared = time.monotonic()
            while not self._stop.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.recv(1024)
                    connection.sendall(self.answer)


needs_unix_sockets = pytest.mark.skipif(
    not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this system (Windows)"
)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets on this system (Windows)")
    servers: list[PingServer] = []

    def start(delay: float = 0.0, answer: bytes = ENGINE_PING) -> PingServer:
        server = PingServer(tmp_path / f"docker{len(servers)}.sock", delay, answer)
        servers.append(server)
        server._thread.start()
        return server

    yield start
    for server in servers:
        server._stop.set()
        server._thread.join(timeout=5)


def _env(path: Path) -> dict[str, str]:
    return {"DOCKER_HOST": f"unix://{path}", "DOCKER_CONFIG": str(path.parent / "no-config")}


def test_a_daemon_that_answers_ping_is_seen_at_once(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve()
    time.sleep(0.2)
    assert docker_wait.daemon_state(_env(server.path)) is DaemonState.ANSWERS
    waits: list[float] = []
    assert docker_wait.wait_for_daemon(5, waits.append, _env(server.path)) == 0.0
    assert waits == []  # nothing to show when it answers on the first look


def test_no_socket_and_a_socket_that_answers_an_error_are_absent(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert docker_wait.daemon_state(_env(tmp_path / "none.sock")) is DaemonState.ABSENT
    busy = serve(answer=b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    time.sleep(0.2)
    assert docker_wait.daemon_state(_env(busy.path)) is DaemonState.ABSENT


def test_a_late_daemon_is_noticed_within_a_poll(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(delay=1.0)
    waits: list[float] = []
    started = time.monotonic()
    waited = docker_wait.wait_for_daemon(10, waits.append, _env(server.path))
    assert waited is not None and 0.9 <= waited < 10
    assert waits, "the wait reports progress while it waits"
    assert server.appeared is not None
    # Noticed at the next look after the socket appeared (looks are 0.1 s apart).
    assert started + waited - server.appeared < 1.0


def test_the_wait_ends_at_its_deadline_without_a_daemon(tmp_path: Path) -> None:
    started = time.monotonic()
    assert docker_wait.wait_for_daemon(0.5, lambda _: None, _env(tmp_path / "x.sock")) is None
    assert 0.45 <= time.monotonic() - started < 3


@needs_unix_sockets
def test_where_the_daemon_is_not_a_plain_socket_the_docker_command_is_asked(
    tmp_path: Path,
) -> None:
    assert socket_address({"DOCKER_HOST": "ssh://me@host"}) is None
    assert socket_address({"DOCKER_HOST": "unix:///s", "DOCKER_TLS_VERIFY": "1"}) is None
    assert socket_address({"DOCKER_CONTEXT": "colima"}) is None
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.json").write_text('{"currentContext": "orbstack"}')
    assert socket_address({"DOCKER_CONFIG": str(config)}) is None
    (config / "config.json").write_text('{"currentContext": "default"}')
    assert socket_address({"DOCKER_CONFIG": str(config)}) == (
        socket.AF_UNIX,
        "/var/run/docker.sock",
    )
    assert socket_address({"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONFIG": "/x"}) == (
        socket.AF_INET,
        ("127.0.0.1", 2375),
    )


def test_ping_says_absent_for_a_closed_tcp_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert ping((socket.AF_INET, ("127.0.0.1", port))) is DaemonState.ABSENT


def _fix(system: str, *present: str, environ: dict[str, str] | None = None) -> str:
    def exists(path: str) -> bool:
        return path in present

    def which(name: str) -> str | None:
        return f"/usr/bin/{name}" if name in present else None

    return start_fix(environ or {}, system=system, exists=exists, which=which)


def test_the_fix_names_what_starts_docker_on_each_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_wait, "DIND_INIT", Path("/nonexistent/docker-init.sh"))
    assert "`sudo systemctl start docker`" in _fix("linux", "/run/systemd/system")
    assert "sudo service docker start" in _fix("linux")
    assert "systemctl" not in _fix("linux")
    assert "`colima start`" in _fix("darwin", "colima")
    assert "Docker Desktop" not in _fix("darwin", "colima")
    assert "OrbStack" in _fix("darwin", "/Applications/OrbStack.app")
    both = _fix("darwin", "/Applications/Docker.app", "orb")
    assert "OrbStack" in both and "open -a Docker" in both
    assert "open -a Docker" in _fix("darwin")  # nothing found: the common one
    assert "Start menu" in _fix("win32")
    for fix in (_fix("linux"), _fix("darwin"), _fix("win32")):
        assert "--wait-for-docker" in fix
    assert "DOCKER_HOST is tcp://x:1" in _fix("linux", environ={"DOCKER_HOST": "tcp://x:1"})


def test_in_a_codespace_the_fix_is_about_docker_in_docker_not_systemd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(docker_wait, "DIND_INIT", Path("/nonexistent/docker-init.sh"))
    codespace = {"CODESPACES": "true", "CODESPACE_NAME": "x"}
    fix = _fix("linux", "/run/systemd/system", environ=codespace)
    assert "systemctl" not in fix and "Docker Desktop" not in fix
    assert "/tmp/dockerd.log" in fix and "Rebuild Container" in fix
    assert docker_wait.default_wait(codespace) == 120
    assert docker_wait.default_wait({"REMOTE_CONTAINERS": "true"}) == 120
    assert docker_wait.default_wait({}) == 0


# Through the CLI: `up` where no daemon answers (needs the docker command only).
needs_docker_cli = pytest.mark.skipif(
    shutil.which("docker") is None, reason="the docker command is not installed"
)
CODESPACE = {"CODESPACES": "true", "CODESPACE_NAME": "kitest-space"}


@needs_docker_cli
def test_up_in_a_codespace_waits_for_docker_then_says_it_never_started(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = new_project_for_wait(cli, tmp_path)
    env = {**CODESPACE, "DOCKER_HOST": f"unix://{tmp_path / 'never.sock'}"}
    result = cli("up", "--wait-for-docker", "1", cwd=root, env=env)
    assert result.returncode == ExitCode.ENVIRONMENT, result.stderr
    assert_no_traceback(result)
    assert "Waiting for Docker to start" in result.stderr
    assert "Docker did not start within 1 s" in result.stderr
    assert "systemctl" not in result.stderr and "Rebuild Container" in result.stderr


@needs_docker_cli
def test_up_elsewhere_does_not_wait_and_names_how_to_start_docker(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = new_project_for_wait(cli, tmp_path)
    env = {"DOCKER_HOST": f"unix://{tmp_path / 'never.sock'}", "CODESPACES": ""}
    started = time.monotonic()
    result = cli("up", cwd=root, env=env)
    assert time.monotonic() - started < 30
    assert result.returncode == ExitCode.ENVIRONMENT, result.stderr
    assert_no_traceback(result)
    assert "Waiting for Docker" not in result.stderr
    assert "The Docker daemon is not reachable" in result.stderr
    assert "--wait-for-docker" in result.stderr


def new_project_for_wait(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "proj"
    made = cli("new", root, "--defaults", "--no-git")
    assert made.returncode == 0, made.stderr
    return root
