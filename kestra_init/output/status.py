"""Rendering of `kestra-init status`: services, Kestra, URLs, flows here against the server."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.text import Text

from kestra_init.commands.status import FlowComparison, FlowStatus, StatusResult
from kestra_init.output.console import out, print_wrapped
from kestra_init.output.tables import Column, print_table
from kestra_init.stack.model import ContainerState, Health

_FLOW_STYLES = {
    FlowComparison.SAME: "green",
    FlowComparison.DIFFERS: "yellow",
    FlowComparison.CHANGED_HERE: "cyan",
    FlowComparison.CHANGED_ON_SERVER: "magenta",
    FlowComparison.CHANGED_BOTH: "bold red",
    FlowComparison.ONLY_LOCAL: "cyan",
    FlowComparison.ONLY_SERVER: "magenta",
}
# What to run next, by what the flows show.
_SYNC_SENDS = (FlowComparison.DIFFERS, FlowComparison.CHANGED_HERE, FlowComparison.ONLY_LOCAL)
_PULL_BRINGS = (FlowComparison.CHANGED_ON_SERVER, FlowComparison.CHANGED_BOTH)
_HEALTH_STYLES = {Health.HEALTHY: "green", Health.UNHEALTHY: "red", Health.STARTING: "yellow"}
# At 80 columns the ports and container names often do not fit: a list then.
_SERVICE_COLUMNS = (
    Column("service"),
    Column("state"),
    Column("health"),
    Column("ports", label="ports"),
    Column("container", label="container"),
)
_FLOW_COLUMNS = (
    Column("namespace"),
    Column("flow"),
    Column("here vs server"),
    Column("file", label="file"),
)


def render_text(result: StatusResult) -> None:
    console = out()
    console.print(f"[bold]{escape(result.project_name)}[/bold]  ({result.project_root})")
    rows = []
    for service in result.services:
        style = "green" if service.state is ContainerState.RUNNING else "red"
        health_style = _HEALTH_STYLES.get(service.health, "dim")
        rows.append(
            [
                Text(service.service),
                Text(service.state.value, style=style),
                Text(service.health.value or "-", style=health_style),
                Text(", ".join(service.ports) or "-"),
                Text(service.container or "-"),
            ]
        )
    print_table(console, _SERVICE_COLUMNS, rows)
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
        return
    if not result.flows:
        console.print("Flows: none in this project's flows/ folder.")
        return
    flow_rows = [
        [
            Text(flow.namespace),
            Text(flow.id),
            Text(flow.state.value, style=_FLOW_STYLES.get(flow.state, "")),
            Text(_relative(flow.path, result) if flow.path else "-"),
        ]
        for flow in result.flows
    ]
    print_table(console, _FLOW_COLUMNS, flow_rows)
    counts = {state: sum(1 for f in result.flows if f.state is state) for state in _FLOW_STYLES}
    summary = ", ".join(f"{n} {state.value}" for state, n in counts.items() if n)
    hints = []
    if any(counts[state] for state in _SYNC_SENDS):
        hints.append("`kestra-init sync` loads local changes.")
    changed = [f for f in result.flows if f.state in _PULL_BRINGS]
    if changed:
        hints.append(
            f"Changed on the server since the last sync or pull: {_names(changed)}; "
            "`kestra-init pull` brings them here."
        )
    elif any(f.state is FlowComparison.ONLY_SERVER for f in result.flows):
        hints.append("`kestra-init pull` makes a file for each flow only on the server.")
    console.print()
    print_wrapped(console, Text.from_markup(f"{summary}." + "".join(" " + h for h in hints)))


def _names(flows: list[FlowStatus]) -> str:
    names = ", ".join(f"{f.namespace}/{f.id}" for f in flows[:5])
    return escape(names) + (f" and {len(flows) - 5} more" if len(flows) > 5 else "")


def _relative(path: object, result: StatusResult) -> str:
    try:
        return str(Path(str(path)).resolve().relative_to(result.project_root))
    except ValueError:
        return str(path)
