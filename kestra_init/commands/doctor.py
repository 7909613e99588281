"""`kestra-init doctor`: every check `up` makes, and a few more, each with its fix.

Runs everything even after a failure, so one run lists all there is to fix.
Works outside a project too (then only the machine is checked).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.check_result import CheckResult, Status, passed, skipped
from kestra_init.check_result import failed as failed_check
from kestra_init.codespaces.checks import check_docker_in_docker, check_port_forwarded
from kestra_init.codespaces.environment import in_codespace
from kestra_init.errors import KestraInitError
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.lint import validate_paths
from kestra_init.flows.rules.networking import DOCKER_RUNNER_HOST_GATEWAY, DOCKER_RUNNER_LOCALHOST
from kestra_init.project import Project, find_project
from kestra_init.project.checks import check_env_file, check_flow_secrets
from kestra_init.services.report_facts import ReportFacts, add_project_facts, machine_facts
from kestra_init.services.running_checks import KEYS as RUNNING_KEYS
from kestra_init.services.running_checks import TITLES, RunningStack, running_checks
from kestra_init.stack import checks
from kestra_init.stack.compose import Stack, resolve_settings
from kestra_init.stack.model import ServiceState, StackConfig


@dataclass(frozen=True)
class DoctorResult:
    project_root: Path | None
    in_codespace: bool
    checks: list[CheckResult]
    facts: ReportFacts | None = None  # with --report: versions, machine, failing logs

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if any(c.failed for c in self.checks) else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "project": str(self.project_root) if self.project_root else None,
            "in_codespace": self.in_codespace,
            "checks": [check.to_json() for check in self.checks],
        }
        if self.facts is not None:
            data["report"] = self.facts.to_json()
        return data


def doctor(
    *,
    start: Path | None = None,
    compose_files: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
    report: bool = False,
) -> DoctorResult:
    """Every check; with ``report``, the facts a `--report` adds (versions, machine, logs)."""
    env = os.environ if environ is None else environ
    results: list[CheckResult] = []
    cli = checks.check_docker_cli()
    results.append(cli)
    info = None
    if cli.failed:
        results.append(skipped("docker-daemon", "Docker daemon reachable", "no docker"))
        results.append(skipped("docker-compose", "Docker Compose v2", "no docker"))
    else:
        daemon, info = checks.check_daemon()
        results.append(daemon)
        results.append(checks.check_compose(info))

    project = find_project(start, required=False)
    codespace = in_codespace(env)
    if codespace:
        results.append(check_docker_in_docker())
        if project is not None:
            results.append(check_port_forwarded(project))

    if project is None:
        results.append(
            skipped(
                "project",
                "Project",
                "not inside a kestra-init project: only the machine is checked",
            )
        )
        results.append(checks.check_memory(info, "postgres", codespace=codespace))
        facts = machine_facts(info, env) if report else None
        return DoctorResult(None, codespace, results, facts)

    results.append(check_env_file(project))
    results.append(check_flow_secrets(project))
    docker_ok = not any(r.failed for r in results if r.key.startswith("docker-"))
    stack: _Stack | None = None
    if project.env_path.is_file():
        stack_results, stack = _stack_checks(project, compose_files, docker_ok)
        results.extend(stack_results)
    else:  # the compose file reads .env: without it Compose only repeats that it is missing
        results.append(skipped("compose-config", "Compose files valid", "needs .env"))
        results.append(skipped("ports", "Ports free", "needs .env"))
    results.append(checks.check_memory(info, project.database, codespace=codespace))
    results.append(_flows_check(project))
    facts = None
    if report:
        facts = machine_facts(info, env)
        found = stack or _Stack(None, None, {})
        add_project_facts(facts, project, results, found.stack, found.config, found.states)
    return DoctorResult(project.root, codespace, results, facts)


@dataclass(frozen=True)
class _Stack:
    stack: Stack | None
    config: StackConfig | None
    states: Mapping[str, ServiceState]


def _stack_checks(
    project: Project, compose_files: Sequence[Path], docker_ok: bool
) -> tuple[list[CheckResult], _Stack | None]:
    title_config, title_ports = "Compose files valid", "Ports free"
    if not docker_ok:
        return [
            skipped("compose-config", title_config, "needs Docker"),
            skipped("ports", title_ports, "needs Docker"),
            *(skipped(key, TITLES[key], "needs Docker") for key in RUNNING_KEYS),
        ], None
    try:
        stack = Stack(resolve_settings(project, compose_files))
        config = stack.config()
        states = stack.states()
    except KestraInitError as error:
        return [
            failed_check("compose-config", title_config, error),
            skipped("ports", title_ports, "needs a valid compose configuration"),
        ], None
    files = ", ".join(path.name for path in stack.settings.files)
    return [
        passed("compose-config", title_config, f"{files} (project '{config.name}')"),
        checks.check_stack_name(config.name, project.root, states),
        checks.check_ports(config, states),
        # Everything above can pass while Kestra refuses every call: ask it.
        *running_checks(RunningStack(project, config, states)),
    ], _Stack(stack, config, states)


def _flows_check(project: Project) -> CheckResult:
    """Flows whose Docker-runner tasks call localhost (the task-container trap).

    The validator owns the rule (kestra_init.flows.rules.networking); doctor only
    keeps its findings, so the two can never disagree.
    """
    title = "Task containers reach Kestra"
    if not project.flows_dir.is_dir():
        return skipped("flows-networking", title, f"no {project.flows_dir.name}/ folder")
    rules = {DOCKER_RUNNER_LOCALHOST.id, DOCKER_RUNNER_HOST_GATEWAY.id}
    found = [d for d in validate_paths([project.flows_dir]).diagnostics if d.rule in rules]
    if not found:
        return passed(
            "flows-networking", title, "no Docker-runner task calls localhost or a service name"
        )
    places = "; ".join(f"{_relative(d.path, project.root)}:{d.line}" for d in found[:5]) + (
        f" and {len(found) - 5} more" if len(found) > 5 else ""
    )
    fix = (
        "In those tasks call http://host.docker.internal:PORT with taskRunner.extraHosts "
        '["host.docker.internal:host-gateway"], or set taskRunner.networkMode to the compose '
        "network and call http://kestra:8080, or use the Process task runner; "
        "`kestra-init validate` shows each finding"
    )
    errors = [d for d in found if d.rule == DOCKER_RUNNER_LOCALHOST.id]
    status = Status.FAILED if errors else Status.WARNING
    what = (
        f"{len(errors)} Docker-runner task{'s' if len(errors) > 1 else ''} call localhost or "
        "a compose service name"
        if errors
        else "Docker-runner tasks call host.docker.internal without extraHosts"
    )
    return CheckResult("flows-networking", title, status, f"{what}: {places}", fix)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


__all__ = ["DoctorResult", "doctor"]
