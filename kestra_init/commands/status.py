"""`kestra-init status`: what runs, which Kestra it is, and the flows here against the server's.

Never changes anything. Each part is reported even when another cannot be
(the stack is down: the services still show, the flows say why they cannot be
compared).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init.errors import KestraInitError
from kestra_init.project import Project, find_project

if TYPE_CHECKING:
    from kestra_init.connection import Connection
    from kestra_init.kestra.client import KestraClient

# How a local flow compares with the server's copy (names shown to people).
SAME, DIFFERS, ONLY_LOCAL, ONLY_SERVER = "same", "differs", "only local", "only on server"


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    state: str  # running, exited..., or "not created"
    health: str  # healthy, starting, unhealthy, or "" without a healthcheck
    container: str
    ports: list[str] = field(default_factory=list)  # "127.0.0.1:8080->8080"


@dataclass(frozen=True)
class FlowStatus:
    namespace: str
    id: str
    state: str  # SAME, DIFFERS, ONLY_LOCAL or ONLY_SERVER
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

    @property
    def running(self) -> bool:
        return bool(self.services) and all(s.state == "running" for s in self.services)


def status(*, start: Path | None = None, compose_files: Sequence[Path] = ()) -> StatusResult:
    from kestra_init.stack.compose import KESTRA_MANAGEMENT_TARGET, open_stack
    from kestra_init.stack.local import local_connection

    project = find_project(start)
    stack = open_stack(project, compose_files)
    config = stack.config()
    states = stack.states()
    services = []
    for name in config.services:
        state = states.get(name)
        if state is None:
            services.append(ServiceStatus(name, "not created", "", ""))
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

    The same plan `sync` makes (kestra_init.flows.sync_plan), read as a comparison:
    create = only local, update = differs, unchanged = same, delete = only on server.
    """
    from kestra_init.flows.sync_plan import Action, plan_sync, read_local_flows, server_flows

    local, _problems = (
        read_local_flows([project.flows_dir]) if project.flows_dir.is_dir() else ([], [])
    )
    namespaces = sorted({flow.namespace for flow in local})
    server = {ns: server_flows(ns, client.flow_sources(ns)) for ns in namespaces}
    names = {
        Action.CREATE: ONLY_LOCAL,
        Action.UPDATE: DIFFERS,
        Action.UNCHANGED: SAME,
        Action.DELETE: ONLY_SERVER,
    }
    return [
        FlowStatus(
            entry.namespace,
            entry.id,
            names[entry.action],
            entry.local.path if entry.local else None,
        )
        for entry in plan_sync(local, server, prune=True)
    ]
