"""The stack's shapes, shared by every module of ``stack/``: settings, configuration, states.

Also the two parsers of what Compose prints (`compose config` reduced to what
the commands use, `compose ps --format json`). Nothing here runs Docker, so
the checks, the hints and the readiness probes can all import it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

KESTRA_SERVICE = "kestra"
DATABASE_SERVICE = "postgres"
KESTRA_UI_TARGET = 8080  # the ports inside the Kestra container
KESTRA_MANAGEMENT_TARGET = 8081
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
_STATUS_CODE_RE = re.compile(r"^(?:Restarting|Exited) \((\d+)\)")


class ContainerState(str, Enum):
    """A container's state as the engine reports it (`docker ps`'s State, lower case)."""

    CREATED = "created"
    RUNNING = "running"
    RESTARTING = "restarting"
    EXITED = "exited"
    PAUSED = "paused"
    DEAD = "dead"
    REMOVING = "removing"
    NOT_CREATED = "not created"  # ours: the service has no container
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str) -> ContainerState:
        try:
            return cls(text.lower())
        except ValueError:
            return cls.UNKNOWN

    @property
    def stopped(self) -> bool:
        """Not running and not about to run by itself: waiting for it cannot help."""
        return self in (ContainerState.EXITED, ContainerState.DEAD, ContainerState.RESTARTING)


class Health(str, Enum):
    """A container's healthcheck verdict; NONE without a healthcheck."""

    NONE = ""
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"

    @classmethod
    def parse(cls, text: str) -> Health:
        try:
            return cls(text.lower())
        except ValueError:
            return cls.NONE


@dataclass(frozen=True)
class ComposeSettings:
    """Where compose runs and with which files and project name."""

    project_dir: Path
    files: tuple[Path, ...]
    project_name: str | None = None  # None: the files' `name:` (or the folder's name)


@dataclass(frozen=True)
class PublishedPort:
    service: str
    target: int
    published: int
    host_ip: str  # "" when published on every address

    @property
    def probe_host(self) -> str:
        """The address to reach this port from the host."""
        return "127.0.0.1" if self.host_ip in ("", "0.0.0.0", "::") else self.host_ip


@dataclass(frozen=True)
class StackConfig:
    """The parts of `docker compose config` the commands use (no environment values)."""

    name: str
    services: tuple[str, ...]
    images: Mapping[str, str]
    healthchecked: frozenset[str]
    ports: tuple[PublishedPort, ...]
    volumes: tuple[str, ...]  # the engine's names, e.g. "myproj_kestra-data"

    @property
    def kestra_service(self) -> str | None:
        return KESTRA_SERVICE if KESTRA_SERVICE in self.services else None

    @property
    def database_services(self) -> tuple[str, ...]:
        """Services Kestra waits for: every other service with a healthcheck."""
        return tuple(
            name for name in self.services if name != KESTRA_SERVICE and name in self.healthchecked
        )

    def published(self, service: str, target: int) -> PublishedPort | None:
        for port in self.ports:
            if port.service == service and port.target == target:
                return port
        return None


@dataclass(frozen=True)
class ServiceState:
    """One container of the stack as the engine sees it."""

    service: str
    name: str
    container_id: str
    state: ContainerState
    health: Health
    exit_code: int
    ports: tuple[PublishedPort, ...] = field(default=())
    # The folder Compose was run from when it made the container ("" when unknown).
    working_dir: str = ""

    @property
    def running(self) -> bool:
        return self.state is ContainerState.RUNNING

    @property
    def ready(self) -> bool:
        """Running, and healthy when the service has a healthcheck."""
        return self.running and self.health in (Health.NONE, Health.HEALTHY)


@dataclass(frozen=True)
class ContainerDetails:
    """What `docker inspect` adds for explaining a failure or proving no restart."""

    started_at: str
    oom_killed: bool
    exit_code: int
    restart_count: int
    state: str


def parse_config(raw: Mapping[str, Any]) -> StackConfig:
    """Keep the names, images, ports, healthchecks and volumes of `compose config`."""
    services: dict[str, Any] = raw.get("services") or {}
    name = str(raw.get("name") or "")
    ports: list[PublishedPort] = []
    healthchecked: set[str] = set()
    for service, spec in services.items():
        check = spec.get("healthcheck") or {}
        if check.get("test") and not check.get("disable"):
            healthchecked.add(service)
        for port in spec.get("ports") or []:
            published = str(port.get("published") or "")
            if published.isdigit():
                ports.append(
                    PublishedPort(
                        service=service,
                        target=int(port.get("target") or 0),
                        published=int(published),
                        host_ip=str(port.get("host_ip") or ""),
                    )
                )
    volumes = tuple(
        str(spec.get("name") or f"{name}_{key}")
        for key, spec in (raw.get("volumes") or {}).items()
        if not (spec or {}).get("external")
    )
    return StackConfig(
        name=name,
        services=tuple(services),
        images={service: str(spec.get("image") or "") for service, spec in services.items()},
        healthchecked=frozenset(healthchecked),
        ports=tuple(ports),
        volumes=volumes,
    )


def parse_ps(output: str) -> dict[str, ServiceState]:
    """`compose ps --format json`: NDJSON since Compose 2.21, one JSON array before."""
    text = output.strip()
    if not text:
        return {}
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    states: dict[str, ServiceState] = {}
    for row in rows:
        service = str(row.get("Service", ""))
        ports = tuple(
            PublishedPort(
                service=service,
                target=int(item.get("TargetPort") or 0),
                published=int(item.get("PublishedPort") or 0),
                host_ip=str(item.get("URL") or ""),
            )
            for item in row.get("Publishers") or []
            if item.get("PublishedPort")
        )
        states[service] = ServiceState(
            service=service,
            name=str(row.get("Name", "")),
            container_id=str(row.get("ID", "")),
            state=ContainerState.parse(str(row.get("State", ""))),
            health=Health.parse(str(row.get("Health", ""))),
            # ExitCode stays 0 while a container is "restarting"; its Status says
            # "Restarting (137) 2 seconds ago", which is what we need to explain it.
            exit_code=int(row.get("ExitCode") or 0)
            or _status_exit_code(str(row.get("Status", ""))),
            ports=ports,
            working_dir=_label(row.get("Labels"), WORKING_DIR_LABEL),
        )
    return states


def _label(labels: object, key: str) -> str:
    """One label's value; `ps --format json` gives labels as one "k=v,k=v" string."""
    if isinstance(labels, Mapping):
        return str(labels.get(key, ""))
    match = re.search(re.escape(key) + r"=(.*?)(?:,[\w.-]+=|$)", str(labels or ""))
    return match.group(1) if match else ""


def _status_exit_code(status: str) -> int:
    match = _STATUS_CODE_RE.match(status)
    return int(match.group(1)) if match else 0
