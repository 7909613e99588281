"""The Docker engine and the Compose plugin: are they here, do they answer, which versions?"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from kestra_init.errors import EnvironmentProblem
from kestra_init.stack import docker_wait

# Why 2.17: it is the release python-on-whales' compose support is written
# against (`up --wait`, `ps`/`config` JSON), and older 2.x releases are
# end-of-life; the generated files also use the top-level `name:` (2.3.3+).
MIN_COMPOSE = (2, 17, 0)

_UNREACHABLE_WORDS = (
    "cannot connect to the docker daemon",
    "is the docker daemon running",
    "error during connect",
    "permission denied while trying to connect to the docker daemon",
    "dial unix",
)
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class EngineInfo:
    server_version: str
    mem_total: int  # bytes the engine can give containers (the VM's memory on Docker Desktop)
    cpus: int
    name: str  # the engine's host name
    # The Compose plugin the CLI found, as `docker info` lists it (saves a call).
    compose_version: tuple[int, int, int] | None = None


def docker_cli() -> str | None:
    """The path of the docker command, or None."""
    return shutil.which("docker")


def is_daemon_unreachable(output: str) -> bool:
    lowered = output.lower()
    return any(words in lowered for words in _UNREACHABLE_WORDS)


def daemon_unreachable_error(output: str) -> EnvironmentProblem:
    """The error for a daemon that does not answer, with the fix for this machine."""
    host = os.environ.get("DOCKER_HOST", "")
    where = f"at DOCKER_HOST={host}" if host else "on its usual socket"
    if "permission denied" in output.lower():
        why = "The Docker daemon runs, but this user may not use its socket."
        fix = (
            "Add yourself to the docker group (`sudo usermod -aG docker $USER`, then log out "
            "and in again), or use Docker Desktop"
        )
    else:
        why = (
            f"Nothing answered {where}: the daemon is not running, or DOCKER_HOST points elsewhere."
        )
        fix = docker_wait.start_fix()
    first = next((line for line in output.splitlines() if line.strip()), "")
    return EnvironmentProblem(
        "The Docker daemon is not reachable",
        why,
        fix,
        details=[first] if first else [],
        details_title="docker said",
    )


def require_docker() -> None:
    """Raise the fix when there is no docker command; every command that runs it starts here."""
    if docker_cli() is None:
        raise docker_missing_error()


def docker_missing_error() -> EnvironmentProblem:
    return EnvironmentProblem(
        "The docker command is not installed",
        "kestra-init runs Kestra with Docker Compose, and no `docker` was found on PATH.",
        "Install Docker Desktop (macOS, Windows) or Docker Engine "
        "(https://docs.docker.com/engine/install/), open a new terminal, and run the "
        "command again",
    )


def engine_info() -> EngineInfo:
    """Ask the daemon who it is; raises EnvironmentProblem when it does not answer.

    `docker info --format '{{json .}}'` run directly, the call python-on-whales'
    docker.info() makes: importing python-on-whales costs 0.2 s, which `up` on a
    running stack and `doctor` need not pay for one answer.
    """
    try:
        done = subprocess.run(
            ["docker", "info", "--format", "{{json .}}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise daemon_unreachable_error(str(error)) from None
    output = "\n".join(part for part in (done.stderr, done.stdout) if part.strip())
    if done.returncode != 0:
        if is_daemon_unreachable(output) or not output.strip():
            raise daemon_unreachable_error(done.stderr or output)
        raise EnvironmentProblem(
            "`docker info` failed",
            "The Docker daemon answered with an error.",
            "Read Docker's message below and check the daemon's state",
            details=output.strip().splitlines()[-10:],
            details_title="docker said",
        )
    try:
        info = json.loads(done.stdout)
    except ValueError:
        info = {}
    if not isinstance(info, dict):
        info = {}
    client = info.get("ClientInfo")
    found = client.get("Plugins") if isinstance(client, dict) else None
    plugins: list[object] = found if isinstance(found, list) else []
    compose = next(
        (
            str(p.get("Version"))
            for p in plugins
            if isinstance(p, dict) and p.get("Name") == "compose" and p.get("Version")
        ),
        None,
    )
    return EngineInfo(
        server_version=str(info.get("ServerVersion") or ""),
        mem_total=_int(info.get("MemTotal")),
        cpus=_int(info.get("NCPU")),
        name=str(info.get("Name") or ""),
        compose_version=parse_version(compose) if compose else None,
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def compose_version() -> tuple[int, int, int] | None:
    """The Compose v2 plugin's version, or None when the plugin is missing."""
    from python_on_whales import docker
    from python_on_whales.exceptions import DockerException

    try:
        text = docker.compose.version()
    except DockerException:
        return None  # `docker compose` is not a docker command: no v2 plugin
    return parse_version(text)


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION_RE.search(text)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def format_version(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)
