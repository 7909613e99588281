"""The Docker engine and the Compose plugin: are they here, do they answer, which versions?"""

from __future__ import annotations

import os
import re
import shutil
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
    """Ask the daemon who it is; raises EnvironmentProblem when it does not answer."""
    from python_on_whales import docker
    from python_on_whales.exceptions import DockerException

    try:
        info = docker.info()
    except DockerException as error:
        output = "\n".join(part for part in (error.stderr, error.stdout) if part)
        if is_daemon_unreachable(output) or not output.strip():
            raise daemon_unreachable_error(output) from None
        raise EnvironmentProblem(
            "`docker info` failed",
            "The Docker daemon answered with an error.",
            "Read Docker's message below and check the daemon's state",
            details=output.strip().splitlines()[-10:],
            details_title="docker said",
        ) from None
    plugins = (info.client_info.plugins if info.client_info else None) or []
    compose = next((p.version for p in plugins if p.name == "compose" and p.version), None)
    return EngineInfo(
        server_version=str(info.server_version or ""),
        mem_total=int(info.mem_total or 0),
        cpus=int(info.n_cpu or 0),
        name=str(info.name or ""),
        compose_version=parse_version(compose) if compose else None,
    )


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
