"""`kestra-init status`: what runs, which Kestra it is, and the flows here against the server's.

Never changes anything. Each part is reported even when another cannot be
(the stack is down: the services still show, the flows say why they cannot be
compared).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init.errors import KestraInitError
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.connection import Connection
from kestra_init.project import Project, require_project
from kestra_init.services.local_flows import read_local_flows
from kestra_init.services.sync.plan import Action, plan_sync, server_flows
from kestra_init.services.sync_state import load_state, source_hash
from kestra_init.stack.compose import open_stack
from kestra_init.stack.local import local_connection
from kestra_init.stack.model import KESTRA_MANAGEMENT_TARGET, ContainerState, Health

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient


class FlowComparison(str, Enum):
    """How a local flow compares with the server's copy (the words shown to people)."""

    SAME = "same"
    DIFFERS = "differs"  # and nothing recorded says which side changed
    CHANGED_HERE = "changed here"  # since the last sync or pull: `sync` sends it
    CHANGED_ON_SERVER = "changed on server"  # since the last sync or pull: `pull` brings it
    CHANGED_BOTH = "changed on both"  # `pull` shows the conflict
    ONLY_LOCAL = "only local"
    ONLY_SERVER = "only on server"


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    state: ContainerState
    health: Health
    container: str
    ports: list[str] = field(default_factory=list)  # "127.0.0.1:8080->8080"


@dataclass(frozen=True)
class FlowStatus:
    namespace: str
    id: str
    state: FlowComparison
    path: Path | None  # the local file; None when only on the server


@dataclass
class StatusResult:
    project_root: Path
    project_name: str
    services: list[ServiceStatus]
    ui_url: str
    api_url: str
    management_url: str | None
    login_email: str | None
    kestra_version: str | None = None
    kestra_problem: str = ""  # why Kestra could not be asked, when it could not
    flows: list[FlowStatus] | None = None  # None when they could not be compared
    flows_problem: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "project": self.project_name,
            "project_root": str(self.project_root),
            "running": self.running,
            "services": [
                {
                    "service": s.service,
                    "state": s.state,
                    "health": s.health or None,
                    "container": s.container or None,
                    "ports": s.ports,
                }
                for s in self.services
            ],
            "kestra": {
                "version": self.kestra_version,
                "problem": self.kestra_problem or None,
                "ui_url": self.ui_url,
                "api_url": self.api_url,
                "health_url": f"{self.management_url}/health" if self.management_url else None,
                "login": self.login_email,
            },
            "flows": None
            if self.flows is None
            else [
                {
                    "namespace": f.namespace,
                    "id": f.id,
                    "state": f.state.value,
                    "path": str(f.path) if f.path else None,
                }
                for f in self.flows
            ],
            "flows_problem": self.flows_problem or None,
        }

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    @property
    def running(self) -> bool:
        return bool(self.services) and all(s.state is ContainerState.RUNNING for s in self.services)


def status(*, start: Path | None = None, compose_files: Sequence[Path] = ()) -> StatusResult:
    project = require_project(start)
    stack = open_stack(project, compose_files)
    config = stack.config()
    states = stack.states()
    services = []
    for name in config.services:
        state = states.get(name)
        if state is None:
            services.append(ServiceStatus(name, ContainerState.NOT_CREATED, Health.NONE, ""))
            continue
        ports = [
            f"{port.probe_host}:{port.published}->{port.target}"
            for port in sorted(state.ports, key=lambda p: p.target)
        ]
        services.append(ServiceStatus(name, state.state, state.health, state.name, ports))

    connection = local_connection(project, config)
    kestra = config.kestra_service
    management = config.published(kestra, KESTRA_MANAGEMENT_TARGET) if kestra else None
    result = StatusResult(
        project_root=project.root,
        project_name=config.name,
        services=services,
        ui_url=connection.ui_url(project.environ),
        api_url=connection.api_url,
        management_url=(
            f"http://{management.probe_host}:{management.published}" if management else None
        ),
        login_email=project.admin_email,
    )
    if kestra is None or states.get(kestra) is None or not states[kestra].running:
        result.kestra_problem = "the Kestra container is not running (`kestra-init up`)"
        result.flows_problem = "Kestra is not running"
        result.flows = None
        return result
    _ask_kestra(project, connection, result)
    return result


def _ask_kestra(project: Project, connection: Connection, result: StatusResult) -> None:
    # httpx costs a tenth of a second to import: loaded once Kestra is to be asked.
    from kestra_init.kestra.client import KestraClient

    with KestraClient(connection, timeout=5.0, connect_timeout=2.0, retries=0) as client:
        try:
            configs = client.configs(retry=False)
            result.kestra_version = str(configs.get("version") or "") or None
        except KestraInitError as error:
            result.kestra_problem = error.what
        try:
            result.flows = compare_flows(project, client)
        except KestraInitError as error:
            result.flows_problem = error.what


def compare_flows(project: Project, client: KestraClient) -> list[FlowStatus]:
    """The project's flows against the server's, in the namespaces the project uses.

    The same plan `sync` makes (kestra_init.services.sync.plan), read as a comparison:
    create = only local, update = differs, unchanged = same, and what is only on the
    server. A flow that differs is told apart with what the last sync or pull recorded
    (``services.sync_state``): changed here, changed on the server (an edit in the
    UI, for `pull`), or changed on both.
    """
    local, _problems = (
        read_local_flows([project.flows_dir]) if project.flows_dir.is_dir() else ([], [])
    )
    namespaces = sorted({flow.namespace for flow in local})
    server = {ns: server_flows(ns, client.flow_sources(ns)) for ns in namespaces}
    names = {
        Action.CREATE: FlowComparison.ONLY_LOCAL,
        Action.UPDATE: FlowComparison.DIFFERS,
        Action.UNCHANGED: FlowComparison.SAME,
        Action.DELETE: FlowComparison.ONLY_SERVER,
        Action.SERVER_ONLY: FlowComparison.ONLY_SERVER,
    }
    connection = client.connection
    state = load_state(project.root, connection.url, connection.tenant)
    found = []
    for entry in plan_sync(local, server):
        comparison = names[entry.action]
        agreed = state.flow(entry.key)
        if entry.action is Action.UPDATE and agreed is not None:
            assert entry.local is not None and entry.stored is not None
            here = source_hash(entry.local.source) != agreed.sha256
            there = source_hash(entry.stored) != agreed.sha256
            if here and there:
                comparison = FlowComparison.CHANGED_BOTH
            elif there:
                comparison = FlowComparison.CHANGED_ON_SERVER
            elif here:
                comparison = FlowComparison.CHANGED_HERE
        found.append(
            FlowStatus(
                entry.namespace,
                entry.id,
                comparison,
                entry.local.path if entry.local else None,
            )
        )
    return found
