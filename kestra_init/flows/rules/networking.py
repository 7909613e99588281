"""Script tasks in Docker task containers that call hosts they cannot reach.

A script task whose task runner is Docker runs in a sibling container started
through the Docker socket, on Docker's default bridge network: there
`localhost` is that container, and compose service names (`kestra`,
`postgres`) do not resolve. Kestra accepts such a flow; it fails at run time
with "connection refused". The runner is Docker when the task says so, when
plugin defaults (the flow's or the server's) say so, or when nothing says
otherwise, since Docker is the script plugins' default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kestra_init.flows import pebble
from kestra_init.flows.core_types import (
    DOCKER_RUNNER,
    DOCKER_TASK_PREFIX,
    JVM_SCRIPT_PACKAGES,
    PROCESS_RUNNER,
    RUNNER_PACKAGE,
    SCRIPT_TASK_PREFIX,
    canonical,
)
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext, PluginDefault
from kestra_init.flows.model import FlowDoc, TaskRef, value_mark
from kestra_init.flows.rules.base import Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

# Where a script task keeps what runs inside its container.
SCANNED_KEYS = ("script", "commands", "beforeCommands", "inputFiles", "env")
HOST_GATEWAY = "host.docker.internal"
# Not when followed by `:...@`: in `scheme://user:password@host` the name before
# the `@` is a user, not a host (`postgresql://postgres:pw@db/x` logs in as the
# user `postgres` on the host `db`).
_USERINFO = r"(?![^\s/@'\"`]{0,256}@)"
_LOCAL_RE = re.compile(r"(?<![\w.-])(localhost|127\.0\.0\.1|\[::1\])(?![\w-])" + _USERINFO)
# An Ansible inventory or play that runs on the task container itself
# (`localhost ansible_connection=local`, `connection: local`): there `localhost`
# means that container on purpose.
_LOCAL_CONNECTION_RE = re.compile(r"\b(?:ansible_)?connection\s*[=:]\s*['\"]?local\b")
_PORT_RE = re.compile(r":(\d{2,5})")

_FLOW = """\
id: list_flows
namespace: company.team
tasks:
  - id: call_api
    type: io.kestra.plugin.scripts.python.Script
    containerImage: python:3.12-slim
    dependencies: [requests]
    script: |
      import requests
      print(requests.get("http://localhost:8080/api/v1/main/flows/search").status_code)
"""

DOCKER_RUNNER_LOCALHOST = rule(
    "docker-runner-localhost",
    Severity.ERROR,
    "networking",
    "A script task in a Docker task container calls `localhost`, `127.0.0.1` or a compose "
    "service name (`kestra`, `postgres`...), which that container cannot reach.",
    bad=_FLOW,
    good=_FLOW.replace(
        "    containerImage: python:3.12-slim\n",
        "    containerImage: python:3.12-slim\n    taskRunner:\n"
        "      type: io.kestra.plugin.scripts.runner.docker.Docker\n"
        '      extraHosts: ["host.docker.internal:host-gateway"]\n',
    ).replace("localhost:8080", "host.docker.internal:8080"),
)
DOCKER_RUNNER_HOST_GATEWAY = rule(
    "docker-runner-host-gateway",
    Severity.WARNING,
    "networking",
    "A Docker task container calls `host.docker.internal` without `extraHosts` mapping it "
    "to `host-gateway`: that name only exists by itself on Docker Desktop, not on Linux.",
    bad=_FLOW.replace("localhost:8080", "host.docker.internal:8080"),
    good=DOCKER_RUNNER_LOCALHOST.good,
)


@dataclass(frozen=True)
class Runner:
    kind: str  # "docker", "process" or "other"
    origin: str  # how it was chosen, for the message
    values: dict[str, Any]


@check
def check_networking(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    service_re = _service_pattern(context.service_names)
    for task in flow.tasks:
        if not _runs_in_task_runner(task):
            continue
        if not any(key in task.node for key in SCANNED_KEYS):
            continue
        # The runner first: it is cheap, and reading the texts (with the variables
        # they use) is not, for a long script.
        runner = resolve_runner(task, flow, context)
        if runner.kind != "docker":
            continue
        network = _network_kind(runner.values.get("networkMode"))
        if network == "none":
            continue
        texts = list(_texts(flow, task))
        if not texts:
            continue
        yield from _check_task(flow, task, runner, network, texts, service_re, context)


def _check_task(
    flow: FlowDoc,
    task: TaskRef,
    runner: Runner,
    network: str,
    texts: list[tuple[str, Mark]],
    service_re: re.Pattern[str] | None,
    context: LintContext,
) -> Iterator[Finding]:
    reported: set[str] = set()
    gateway_at: Mark | None = None
    local_on_purpose = any(_LOCAL_CONNECTION_RE.search(text) for text, _ in texts)
    for text, mark in texts:
        # `{{ inputs.host ?? 'localhost' }}`: a literal used only when nothing is given.
        fallbacks = pebble.fallback_spans(text)
        if network != "host" and not local_on_purpose:
            for match in _LOCAL_RE.finditer(text):
                host = match.group(1)
                if _inside(match.start(), fallbacks):
                    continue
                if host not in reported:
                    reported.add(host)
                    port = _port_after(text, match.end())
                    yield Finding(
                        DOCKER_RUNNER_LOCALHOST,
                        flow.locate(text, mark, match.start()),
                        _localhost_message(task, runner, host, port, context),
                    )
        if network != "custom" and service_re is not None:
            for match in service_re.finditer(text):
                host = next(group for group in match.groups() if group)
                if host not in reported and not _inside(match.start(), fallbacks):
                    reported.add(host)
                    yield Finding(
                        DOCKER_RUNNER_LOCALHOST,
                        flow.locate(text, mark, match.start(match.lastindex or 0)),
                        _service_message(task, runner, host, network, context),
                    )
        if gateway_at is None and HOST_GATEWAY in text:
            gateway_at = flow.locate(text, mark, text.index(HOST_GATEWAY))
    if network != "custom":
        # `DB_HOST: postgres`: a bare service name handed to the script as a host.
        for host, mark in _host_variables(task, context):
            if host not in reported:
                reported.add(host)
                yield Finding(
                    DOCKER_RUNNER_LOCALHOST,
                    mark,
                    _service_message(task, runner, host, network, context),
                )
    if gateway_at is not None and network != "host" and not _maps_gateway(runner.values):
        yield Finding(
            DOCKER_RUNNER_HOST_GATEWAY,
            gateway_at,
            f"Task `{task.id or '?'}` calls `{HOST_GATEWAY}` from a Docker task container "
            f'{_origin(runner)} without `extraHosts: ["{HOST_GATEWAY}:host-gateway"]` on '
            "its `taskRunner`. Docker Desktop defines that name by itself; Docker on Linux "
            "(servers, CI, Codespaces) does not, so the call fails there. Add the extraHosts "
            "line.",
        )


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(low <= offset < high for low, high in spans)


def _host_variables(task: TaskRef, context: LintContext) -> Iterator[tuple[str, Mark]]:
    env = task.node.get("env")
    if not isinstance(env, YMap):
        return
    for key, value in env.items():
        host = value.strip() if isinstance(value, str) else ""
        if "HOST" in key.upper() and host in context.service_names:
            yield host, env.value_marks[key]


def _runs_in_task_runner(task: TaskRef) -> bool:
    type_name = canonical(task.type or "")
    if type_name.startswith((RUNNER_PACKAGE, *JVM_SCRIPT_PACKAGES)):
        return False
    if type_name.startswith(DOCKER_TASK_PREFIX):
        return True
    # Script tasks, and any other task that takes a task runner or a container image.
    return (
        type_name.startswith(SCRIPT_TASK_PREFIX)
        or "taskRunner" in task.node
        or "containerImage" in task.node
    )


def _texts(flow: FlowDoc, task: TaskRef) -> Iterator[tuple[str, Mark]]:
    """What runs in the container, and the flow variables it reads (`{{ vars.api_url }}`)."""
    direct: list[tuple[str, Mark]] = []
    for key in SCANNED_KEYS:
        value = task.node.get(key)
        if isinstance(value, str):
            direct.append((value, value_mark(task.node, key)))
        elif isinstance(value, (YMap, YList)):
            direct.extend(flow.strings_under(value))
    yield from direct
    variables = flow.root.get("variables")
    if not isinstance(variables, YMap):
        return
    pending = [text for text, _ in direct]
    seen: set[str] = set()
    while pending:
        for reference in pebble.references(pending.pop()):
            name = reference.name
            if (
                reference.scope != "vars"
                or name in seen
                or not isinstance(variables.get(name), str)
            ):
                continue
            seen.add(name)
            pending.append(variables[name])
            yield variables[name], variables.value_marks[name]


def resolve_runner(task: TaskRef, flow: FlowDoc, context: LintContext) -> Runner:
    """The task runner the task gets and its settings, plugin defaults applied."""
    type_name = task.type or ""
    defaults = _defaults_for(type_name, flow, context)
    if type_name.startswith(DOCKER_TASK_PREFIX):
        values = dict(task.node)
        for default, _ in defaults:
            for key, value in default.values.items():
                values.setdefault(key, value)
        return Runner("docker", "set on the task", values)
    runner, origin = _pick(task.node, "taskRunner", defaults)
    if isinstance(runner, dict):
        runner_type = canonical(scalar_text(runner.get("type")) or "")
        values = dict(runner)
        for key, value in _merged_defaults(runner_type, flow, context).items():
            values.setdefault(key, value)
        if runner_type == DOCKER_RUNNER:
            return Runner("docker", origin, values)
        if runner_type == PROCESS_RUNNER:
            return Runner("process", origin, values)
        return Runner("other", origin, values)
    # Before 0.18 script tasks chose with `runner: DOCKER|PROCESS` and `docker: {...}`.
    legacy, origin = _pick(task.node, "runner", defaults)
    if scalar_text(legacy) == "PROCESS":
        return Runner("process", origin, {})
    docker_options, _ = _pick(task.node, "docker", defaults)
    values = dict(docker_options) if isinstance(docker_options, dict) else {}
    for key, value in _merged_defaults(DOCKER_RUNNER, flow, context).items():
        values.setdefault(key, value)
    if scalar_text(legacy) == "DOCKER":
        return Runner("docker", origin, values)
    return Runner("docker", "default", values)


def _flow_plugin_defaults(flow: FlowDoc) -> list[PluginDefault]:
    found = []
    for key in ("pluginDefaults", "taskDefaults"):
        entries = flow.root.get(key)
        if not isinstance(entries, YList):
            continue
        for entry in entries:
            if isinstance(entry, YMap) and isinstance(entry.get("type"), str):
                given = entry.get("values")
                values: dict[str, Any] = given if isinstance(given, YMap) else {}
                found.append(PluginDefault(entry["type"], values, entry.get("forced") is True))
    return found


def _defaults_for(
    type_name: str, flow: FlowDoc, context: LintContext
) -> list[tuple[PluginDefault, str]]:
    """Plugin defaults that apply to ``type_name``, the flow's before the server's."""
    matching = []
    for default, origin in (
        *((d, "from the flow's pluginDefaults") for d in _flow_plugin_defaults(flow)),
        *((d, "from the server's plugin defaults") for d in context.server_plugin_defaults),
    ):
        # A default applies to every type its `type` is a prefix of.
        if type_name == default.type or type_name.startswith(default.type.rstrip(".") + "."):
            matching.append((default, origin))
    return matching


def _pick(node: YMap, key: str, defaults: list[tuple[PluginDefault, str]]) -> tuple[Any, str]:
    """The value of ``key``: forced defaults win, then the task, then other defaults."""
    for default, origin in defaults:
        if default.forced and key in default.values:
            return default.values[key], origin
    if node.get(key) is not None:
        return node[key], "set on the task"
    for default, origin in defaults:
        if key in default.values:
            return default.values[key], origin
    return None, "default"


def _merged_defaults(runner_type: str, flow: FlowDoc, context: LintContext) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for default, _ in _defaults_for(runner_type, flow, context):
        for key, value in default.values.items():
            merged.setdefault(key, value)
    return merged


def _network_kind(mode: Any) -> str:
    text = scalar_text(mode)
    if not text or text in ("bridge", "default"):
        return "bridge"
    if text in ("host", "none"):
        return text
    return "custom"  # a named network, such as the compose project's


def _maps_gateway(values: dict[str, Any]) -> bool:
    hosts = values.get("extraHosts")
    entries: Iterable[Any] = hosts if isinstance(hosts, list) else [hosts]
    return any(
        isinstance(entry, str) and entry.replace(" ", "").startswith(HOST_GATEWAY + ":")
        for entry in entries
    )


def _service_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(
        # http://kestra:8080, postgresql://user@postgres/db
        rf"(?:(?<=://)|(?<=@))({alternatives})(?=[:/\s'\"`,;)]|$){_USERINFO}"
        # postgres:5432 (a port of 3+ digits, so image tags like postgres:16 stay out)
        rf"|(?<![\w./@-])({alternatives}):\d{{3,5}}(?![\w.-])"
        # host=postgres, --host postgres, -h postgres
        rf"|(?:\bhost(?:name)?\s*[=:]\s*['\"]?|--host[= ]\s*|(?<![\w-])-h\s*)"
        rf"({alternatives})(?![\w.-])"
    )


def _port_after(text: str, end: int) -> str:
    match = _PORT_RE.match(text, end)
    return match.group(1) if match else "8080"


def _origin(runner: Runner) -> str:
    if runner.origin == "default":
        return "(Docker is the default task runner of script tasks)"
    return f"(task runner {runner.origin})"


def _network(context: LintContext) -> str:
    return context.compose_network or "<compose project>_default"


def _localhost_message(
    task: TaskRef, runner: Runner, host: str, port: str, context: LintContext
) -> str:
    return (
        f"Task `{task.id or '?'}` runs in a Docker task container {_origin(runner)}, where "
        f"`{host}` is that container itself, not your machine and not Kestra. Fix it one of "
        f"three ways: (1) call `{HOST_GATEWAY}:{port}` and add "
        f'`extraHosts: ["{HOST_GATEWAY}:host-gateway"]` to the task\'s `taskRunner` '
        f"(type `{DOCKER_RUNNER}`); (2) set `networkMode: {_network(context)}` on the "
        "`taskRunner` and call the compose service by name (`http://kestra:8080`); (3) run "
        f"it with the Process runner (`taskRunner: {{type: {PROCESS_RUNNER}}}`), inside the "
        "Kestra container, where `localhost:8080` is Kestra."
    )


def _service_message(
    task: TaskRef, runner: Runner, host: str, network: str, context: LintContext
) -> str:
    where = (
        "with `networkMode: host`, where compose service names do not resolve"
        if network == "host"
        else "on Docker's default bridge network, where compose service names do not resolve"
    )
    return (
        f"Task `{task.id or '?'}` calls `{host}`, a compose service name, from a Docker task "
        f"container {_origin(runner)} {where}. Fix it one of three ways: (1) set "
        f"`networkMode: {_network(context)}` on the task's `taskRunner` so the name resolves; "
        f"(2) call `{HOST_GATEWAY}:<published port>` with "
        f'`extraHosts: ["{HOST_GATEWAY}:host-gateway"]` on the `taskRunner`; (3) run it with '
        f"the Process runner (`taskRunner: {{type: {PROCESS_RUNNER}}}`), inside the Kestra "
        "container, which is on the compose network."
    )
