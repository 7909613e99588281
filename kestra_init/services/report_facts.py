"""What `doctor --report` says besides the checks: versions, the machine, failing logs.

Everything an organiser at the front of the room needs to tell one attendee's
problem from another's, gathered without failing: a fact that cannot be had is
left out, never a reason to stop. The secrets to take out of the report are
gathered here too (the project's .env, the environment); the output layer
masks them in the whole text it writes.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field

from kestra_init import __version__
from kestra_init.check_result import CheckResult
from kestra_init.codespaces.environment import in_codespace
from kestra_init.errors import KestraInitError
from kestra_init.project import Project
from kestra_init.redaction import secret_values
from kestra_init.services.running_checks import pinned_tag
from kestra_init.stack.compose import Stack
from kestra_init.stack.docker_wait import in_dev_container
from kestra_init.stack.engine import EngineInfo, format_version
from kestra_init.stack.local import local_connection
from kestra_init.stack.model import ServiceState, StackConfig

LOG_LINES = 30


@dataclass
class ReportFacts:
    kestra_init_version: str
    python: str
    platform: str
    codespace: bool
    dev_container: bool
    machine_type: str  # a codespace's machine (CODESPACES_MACHINE... when known), else ""
    cpus: int
    docker_memory_gb: float | None
    docker_version: str | None
    compose_version: str | None
    kestra_version: str | None = None
    pinned: str | None = None
    database: str | None = None
    log_tails: dict[str, list[str]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list, repr=False)  # never shown

    def to_json(self) -> dict[str, object]:
        return {
            "kestra_init_version": self.kestra_init_version,
            "python": self.python,
            "platform": self.platform,
            "codespace": self.codespace,
            "dev_container": self.dev_container,
            "machine_type": self.machine_type or None,
            "cpus": self.cpus,
            "docker_memory_gb": self.docker_memory_gb,
            "docker_version": self.docker_version,
            "compose_version": self.compose_version,
            "kestra_version": self.kestra_version,
            "pinned_kestra": self.pinned,
            "database": self.database,
            "log_tails": self.log_tails,
        }


def machine_facts(info: EngineInfo | None, environ: Mapping[str, str]) -> ReportFacts:
    return ReportFacts(
        kestra_init_version=__version__,
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.release()} ({platform.machine()})",
        codespace=in_codespace(environ),
        dev_container=in_dev_container(environ),
        machine_type=_machine_type(environ),
        cpus=os.cpu_count() or 0,
        docker_memory_gb=round(info.mem_total / 1024**3, 1) if info and info.mem_total else None,
        docker_version=info.server_version if info else None,
        compose_version=format_version(info.compose_version)
        if info and info.compose_version
        else None,
        secrets=secret_values({}, environ),
    )


def add_project_facts(
    facts: ReportFacts,
    project: Project,
    checks: list[CheckResult],
    stack: Stack | None,
    config: StackConfig | None,
    states: Mapping[str, ServiceState],
) -> None:
    """The project's side: pinned and running Kestra, and the logs of what failed."""
    facts.pinned = pinned_tag(project)
    facts.database = project.database
    # An unreadable .env: its check says so, and nothing of it is in the report.
    with contextlib.suppress(KestraInitError):
        facts.secrets = secret_values(project.env, os.environ) + facts.secrets
    if stack is None or config is None:
        return
    kestra = config.kestra_service
    running = kestra is not None and kestra in states and states[kestra].running
    if running:
        facts.kestra_version = _running_version(project, config)
    kestra_failed = any(c.failed and c.key.startswith("kestra-") for c in checks)
    for name in config.services:
        state = states.get(name)
        troubled = state is not None and (not state.ready or (name == kestra and kestra_failed))
        if troubled:
            facts.log_tails[name] = stack.log_tail(name, LOG_LINES)


def _running_version(project: Project, config: StackConfig) -> str | None:
    # httpx costs a tenth of a second to import: only for a running stack.
    from kestra_init.kestra.client import KestraClient

    try:
        with KestraClient(
            local_connection(project, config), timeout=5.0, connect_timeout=2.0, retries=0
        ) as client:
            return str(client.configs(retry=False).get("version") or "") or None
    except KestraInitError:
        return None


def _machine_type(environ: Mapping[str, str]) -> str:
    """A codespace's size as far as this machine can tell (cores and memory)."""
    if not in_codespace(environ):
        return ""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return f"{os.cpu_count() or '?'}-core"
    return f"{os.cpu_count() or '?'}-core, {kib / 1024**2:.0f} GB"
