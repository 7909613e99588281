"""Is a TCP port free on this machine, and if not, who holds it?

A taken port is the most common reason a stack does not start, and Docker's
own error ("port is already allocated") names no owner. We look in two
places: the containers Docker publishes ports for (any engine, any OS), then
the Linux kernel's socket tables under /proc, which name the process when we
are allowed to read its file descriptors (same user, or root).
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column
# One published mapping in `docker ps`'s Ports column: "127.0.0.1:8080->8080/tcp",
# "0.0.0.0:8080->8080/tcp", ":::8080->8080/tcp", or a range "0.0.0.0:8080-8081->8080-8081/tcp".
_PUBLISHED_RE = re.compile(r"(?:\[?[0-9a-fA-F.:]*\]?):(\d+)(?:-(\d+))?->")


@dataclass(frozen=True)
class PortOwner:
    """Who holds a port, in words a person recognises."""

    kind: str  # "container" or "process"
    name: str  # container name, or the command name of the process
    pid: int | None = None
    compose_project: str | None = None  # for containers started by compose

    def describe(self) -> str:
        if self.kind == "container":
            project = f" (compose project '{self.compose_project}')" if self.compose_project else ""
            return f"the Docker container '{self.name}'{project}"
        pid = f" (pid {self.pid})" if self.pid else ""
        return f"the process '{self.name}'{pid}"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a listening socket could be bound to ``host:port`` right now.

    SO_REUSEADDR keeps connections lingering in TIME_WAIT from counting as
    "taken" (Docker's proxy binds the same way), while a socket that listens on
    the port, on this address or on every address, still makes the bind fail.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            if error.errno == errno.EADDRNOTAVAIL:
                return True  # no such address here: nothing can hold it
            raise
    return True


def container_publishing(port: int) -> PortOwner | None:
    """The running container that publishes ``port`` on the host, if any.

    Reads `docker ps` directly (one fast call, no python-on-whales import) and
    answers None when Docker is not there: this only adds a name to an error.
    """
    try:
        listed = subprocess.run(
            ["docker", "ps", "--format", "{{json .}}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listed.returncode != 0:
        return None
    for line in listed.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if port in published_ports(str(row.get("Ports", ""))):
            labels = _parse_labels(str(row.get("Labels", "")))
            return PortOwner(
                kind="container",
                name=str(row.get("Names", "")).split(",")[0],
                compose_project=labels.get("com.docker.compose.project"),
            )
    return None


def published_ports(ports_column: str) -> set[int]:
    """The host ports in a `docker ps` Ports column."""
    found: set[int] = set()
    for match in _PUBLISHED_RE.finditer(ports_column):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        found.update(range(first, last + 1))
    return found


def process_listening(port: int, proc: Path = Path("/proc")) -> PortOwner | None:
    """The process listening on TCP ``port``, from the kernel's tables (Linux only).

    Answers None when the machine cannot tell: not Linux, or the owner's file
    descriptors are not readable by us.
    """
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return None
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:
            continue  # another user's process, or it just ended
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return PortOwner(kind="process", name=_process_name(pid_dir), pid=int(pid_dir.name))
    return None


def owner_of(port: int) -> PortOwner | None:
    """Who holds ``port``: a container when Docker publishes it, else a process."""
    return container_publishing(port) or process_listening(port)


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[9] != "0":
                inodes.add(fields[9])
    return inodes


def _process_name(pid_dir: Path) -> str:
    """The program's name, never its arguments: a command line can hold a password
    (``--password ...``), and the message naming the port's owner is shown and shared."""
    try:
        raw = (pid_dir / "cmdline").read_bytes()
    except OSError:
        raw = b""
    program = raw.split(b"\0", 1)[0].decode(errors="replace")
    if program:
        return Path(program).name[:80]
    try:
        return (pid_dir / "comm").read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def _parse_labels(column: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in column.split(","):
        key, _, value = item.partition("=")
        if key:
            labels[key.strip()] = value
    return labels
