"""Rendering of `kestra-init status`: services, Kestra, URLs, flows here against the server."""

from __future__ import annotations

from kestra_init.commands.status import (
    DIFFERS,
    ONLY_LOCAL,
    ONLY_SERVER,
    SAME,
    StatusResult,
)
from kestra_init.exit_codes import ExitCode
from kestra_init.output.console import out, print_json

_FLOW_STYLES = {SAME: "green", DIFFERS: "yellow", ONLY_LOCAL: "cyan", ONLY_SERVER: "magenta"}


def render(result: StatusResult, *, as_json: bool = False) -> ExitCode:
    if as_json:
        print_json(as_dict(result))
        return ExitCode.OK
    from rich.markup import escape
    from rich.table import Table

    console = out()
    console.print(f"[bold]{escape(result.project_name)}[/bold]  ({result.project_root})")
    services = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("service", "state", "health", "ports", "container"):
        services.add_column(column)
    for service in result.services:
        style = "green" if service.state == "running" else "red"
        health_style = {"healthy": "green", "unhealthy": "red", "starting": "yellow"}.get(
            service.health, "dim"
        )
        services.add_row(
            service.service,
            f"[{style}]{service.state}[/{style}]",
            f"[{health_style}]{service.health or '-'}[/{health_style}]",
            ", ".join(service.ports) or "-",
            service.container or "-",
        )
    console.print(services)
    console.print()
    version = result.kestra_version or f"unknown ({result.kestra_problem})"
    console.print(f"Kestra     {escape(version)}")
    console.print(f"UI         {result.ui_url}", soft_wrap=True)
    console.print(f"API        {result.api_url}", soft_wrap=True)
    if result.management_url:
        console.print(f"Health     {result.management_url}/health", soft_wrap=True)
    if result.login_email:
        console.print(f"Login      {escape(result.login_email)} (password in .env)")
    console.print()
    if result.flows is None:
        console.print(f"Flows: not compared ({escape(result.flows_problem)}).")
        return ExitCode.OK
    if not result.flows:
        console.print("Flows: none in this project's flows/ folder.")
        return ExitCode.OK
    flows = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("namespace", "flow", "here vs server", "file"):
        flows.add_column(column)
    for flow in result.flows:
        style = _FLOW_STYLES.get(flow.state, "")
        path = _relative(flow.path, result) if flow.path else "-"
        flows.add_row(flow.namespace, flow.id, f"[{style}]{flow.state}[/{style}]", path)
    console.print(flows)
    counts = {state: sum(1 for f in result.flows if f.state == state) for state in _FLOW_STYLES}
    summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    hint = (
        " `kestra-init sync` loads local changes." if counts[DIFFERS] + counts[ONLY_LOCAL] else ""
    )
    console.print(f"\n{summary}.{hint}")
    return ExitCode.OK


def as_dict(result: StatusResult) -> dict[str, object]:
    return {
        "project": result.project_name,
        "project_root": str(result.project_root),
        "running": result.running,
        "services": [
            {
                "service": s.service,
                "state": s.state,
                "health": s.health or None,
                "container": s.container or None,
                "ports": s.ports,
            }
            for s in result.services
        ],
        "kestra": {
            "version": result.kestra_version,
            "problem": result.kestra_problem or None,
            "ui_url": result.ui_url,
            "api_url": result.api_url,
            "health_url": f"{result.management_url}/health" if result.management_url else None,
            "login": result.login_email,
        },
        "flows": None
        if result.flows is None
        else [
            {
                "namespace": f.namespace,
                "id": f.id,
                "state": f.state,
                "path": str(f.path) if f.path else None,
            }
            for f in result.flows
        ],
        "flows_problem": result.flows_problem or None,
    }


def _relative(path: object, result: StatusResult) -> str:
    from pathlib import Path

    try:
        return str(Path(str(path)).resolve().relative_to(result.project_root))
    except ValueError:
        return str(path)
