"""A Docker daemon that starts late: notice it quickly, and say how to start one that does not.

In a codespace or a dev container the docker-in-docker feature starts
``dockerd`` in the background from ``/usr/local/share/docker-init.sh`` (its
output goes to ``/tmp/dockerd.log``; devcontainers/features,
src/docker-in-docker/install.sh), and a ``postStartCommand`` can run before it
answers. There `up` waits for it; elsewhere it says how to start Docker on
this platform, and ``--wait-for-docker`` makes it wait too.

The wait asks the daemon's socket for ``GET /_ping`` every 0.1 s: one
connection costs well under a millisecond, where ``docker info`` costs a
process and 100 ms or more. Where the daemon is not a plain socket (a docker
context, TLS), it asks ``docker version`` instead, every 0.5 s.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path

from kestra_init.codespaces.environment import in_codespace

DIND_INIT = Path("/usr/local/share/docker-init.sh")
DIND_LOG = Path("/tmp/dockerd.log")
DEV_CONTAINER_WAIT = 120.0  # seconds; the feature retries dockerd five times
SOCKET_POLL = 0.1
COMMAND_POLL = 0.5
DEFAULT_SOCKET = "/var/run/docker.sock"


class DaemonState(str, Enum):
    ANSWERS = "answers"
    ABSENT = "absent"  # no socket yet, or nothing listening on it
    DENIED = "denied"  # a socket this user may not use: waiting cannot help
    UNKNOWN = "unknown"  # not a socket we can ask directly


def in_dev_container(environ: Mapping[str, str] | None = None) -> bool:
    """A codespace, a VS Code dev container, or any container with docker-in-docker."""
    env = os.environ if environ is None else environ
    return (
        in_codespace(env)
        or env.get("REMOTE_CONTAINERS", "").lower() == "true"
        or DIND_INIT.exists()
    )


def default_wait(environ: Mapping[str, str] | None = None) -> float:
    """How long `up` waits for a daemon by default: 120 s in a dev container, else not at all."""
    return DEV_CONTAINER_WAIT if in_dev_container(environ) else 0.0


def socket_address(environ: Mapping[str, str] | None = None) -> tuple[int, object] | None:
    """(family, address) of the daemon's API socket, or None when we cannot ask it directly."""
    env = os.environ if environ is None else environ
    if env.get("DOCKER_CONTEXT") or env.get("DOCKER_TLS_VERIFY") or _named_context(env):
        return None
    host = env.get("DOCKER_HOST", "") or f"unix://{DEFAULT_SOCKET}"
    if host.startswith("unix://"):
        return socket.AF_UNIX, host.removeprefix("unix://")
    if host.startswith("tcp://"):
        hostport = host.removeprefix("tcp://").split("/", 1)[0]
        name, _, port = hostport.rpartition(":")
        if name and port.isdigit():
            return socket.AF_INET, (name.strip("[]"), int(port))
    return None


def ping(address: tuple[int, object], timeout: float = 1.0) -> DaemonState:
    """Ask the daemon's socket for /_ping."""
    family, target = address
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(target)  # type: ignore[arg-type]
            connection.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = connection.recv(64)
    except PermissionError:
        return DaemonState.DENIED
    except OSError:  # no such file, refused, reset, timed out
        return DaemonState.ABSENT
    status = answer.split(b"\r\n", 1)[0].split()
    return DaemonState.ANSWERS if status[1:2] == [b"200"] else DaemonState.ABSENT


def daemon_state(environ: Mapping[str, str] | None = None) -> DaemonState:
    address = socket_address(environ)
    return ping(address) if address is not None else DaemonState.UNKNOWN


def wait_for_daemon(
    seconds: float,
    on_wait: Callable[[float], None],
    environ: Mapping[str, str] | None = None,
) -> float | None:
    """Wait until the daemon answers, at most ``seconds``; return the time waited.

    Returns 0.0 when it answered at once, None when it still did not answer at
    the deadline or cannot answer this user (the daemon check then gives the
    fix). ``on_wait(elapsed)`` is called on each look while waiting.
    """
    address = socket_address(environ)
    look = (lambda: ping(address)) if address is not None else _ask_docker_command
    poll = SOCKET_POLL if address is not None else COMMAND_POLL
    started = time.monotonic()
    state = look()
    if state is DaemonState.ANSWERS:
        return 0.0
    if state is DaemonState.DENIED:
        return None
    while (elapsed := time.monotonic() - started) < seconds:
        on_wait(elapsed)
        time.sleep(min(poll, max(0.0, seconds - elapsed)))
        state = look()
        if state is DaemonState.ANSWERS:
            return time.monotonic() - started
        if state is DaemonState.DENIED:
            return None
    return None


def dind_log_tail(lines: int = 5) -> list[str]:
    """The last lines of docker-in-docker's dockerd log, when there is one."""
    try:
        text = DIND_LOG.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]


def start_fix(
    environ: Mapping[str, str] | None = None,
    *,
    system: str = sys.platform,
    exists: Callable[[str], bool] = os.path.exists,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """How to start Docker here, in one sentence (platform, then what is installed)."""
    env = os.environ if environ is None else environ
    wait = "or run `kestra-init up --wait-for-docker 120` to wait while it starts"
    if in_dev_container(env) or exists(str(DIND_INIT)):
        return (
            "Docker-in-Docker starts with the container and may still be starting: run "
            "`kestra-init up` again (in a dev container it waits up to 120 s, "
            "`--wait-for-docker 300` waits longer). Its log is /tmp/dockerd.log; if it "
            "never starts, rebuild the container (Codespaces: Command Palette > "
            "Rebuild Container)"
        )
    host = env.get("DOCKER_HOST", "")
    check_host = f"; DOCKER_HOST is {host}: check it or unset it" if host else ""
    if system == "darwin":
        ways = []
        if which("colima"):
            ways.append("`colima start`")
        if which("orb") or exists("/Applications/OrbStack.app"):
            ways.append("open OrbStack (`orb start`)")
        if exists("/Applications/Docker.app") or not ways:
            ways.append("open Docker Desktop (`open -a Docker`)")
        return f"Start Docker: {' or '.join(ways)}{check_host}, {wait}"
    if system.startswith("win"):
        return f"Start Docker Desktop from the Start menu{check_host}, {wait}"
    if _is_wsl(exists):
        return (
            "Start Docker Desktop on Windows with WSL integration on for this distribution "
            "(Settings > Resources > WSL integration), or `sudo service docker start` if "
            f"Docker Engine is installed inside WSL{check_host}; {wait}"
        )
    if which("colima"):
        return f"Start Docker: `colima start`{check_host}, {wait}"
    if exists("/run/systemd/system"):
        return f"Start the service: `sudo systemctl start docker`{check_host}, {wait}"
    return (
        f"Start the daemon: `sudo service docker start`, or run `sudo dockerd` in another "
        f"terminal{check_host}; {wait}"
    )


def _is_wsl(exists: Callable[[str], bool]) -> bool:
    if not exists("/proc/sys/kernel/osrelease"):
        return False
    try:
        return "microsoft" in Path("/proc/sys/kernel/osrelease").read_text().lower()
    except OSError:
        return False


def _named_context(env: Mapping[str, str]) -> bool:
    """The docker CLI is set to a context other than the default one."""
    config = Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"
    try:
        current = json.loads(config.read_text(encoding="utf-8")).get("currentContext")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(current) and current != "default"


def _ask_docker_command() -> DaemonState:
    try:
        done = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return DaemonState.ABSENT
    if done.returncode == 0 and done.stdout.strip():
        return DaemonState.ANSWERS
    return DaemonState.DENIED if "permission denied" in done.stderr.lower() else DaemonState.ABSENT
