"""Checks of the running stack for `doctor`: Kestra answers, takes the login, runs the pinned
version, and holds the project's flows.

The machine checks can all pass while every API call is refused: these ask the
running Kestra itself, each with the fix for what it finds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kestra_init.check_result import CheckResult, failed, passed, skipped, warning
from kestra_init.errors import KestraAuthError, KestraInitError, UsageError
from kestra_init.project import Project
from kestra_init.services.local_flows import read_local_flows
from kestra_init.services.sync.plan import Action, plan_sync, server_flows
from kestra_init.stack.local import local_connection
from kestra_init.stack.model import KESTRA_MANAGEMENT_TARGET, ServiceState, StackConfig

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

KEYS = ("kestra-health", "kestra-login", "kestra-version", "kestra-flows")
TITLES = {
    "kestra-health": "Kestra answers",
    "kestra-login": "Login in .env accepted",
    "kestra-version": "Kestra version as pinned",
    "kestra-flows": "Flows on the server match the files",
}
_TAG_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")

LOGIN_FIX = (
    "Kestra takes its login from KESTRA_ADMIN_EMAIL and KESTRA_ADMIN_PASSWORD in .env, but "
    "only when its container is (re)created, and only when they meet its rules (an email; "
    "8+ characters with a lower-case letter, an upper-case letter and a digit): otherwise it "
    "keeps the login it stored before, in its database. So the .env password and Kestra's "
    "can differ after .env was edited, or after a password was set in Kestra's UI. Run "
    "`kestra-init up` (it recreates the container for a changed .env); if the data volume "
    "holds an older login you no longer know, `kestra-init down --volumes` starts afresh "
    "(it deletes the stack's data)"
)


@dataclass(frozen=True)
class RunningStack:
    project: Project
    config: StackConfig
    states: Mapping[str, ServiceState]


def running_checks(stack: RunningStack) -> list[CheckResult]:
    """The four checks, in order; each later one skipped when an earlier one failed."""
    kestra = stack.config.kestra_service
    state = stack.states.get(kestra) if kestra else None
    if state is None or not state.running:
        why = "the stack is not running (`kestra-init up` starts it)"
        return [skipped(key, TITLES[key], why) for key in KEYS]
    # httpx costs a tenth of a second to import: loaded only when a stack runs.
    from kestra_init.kestra.client import KestraClient

    connection = local_connection(stack.project, stack.config)
    with KestraClient(connection, timeout=5.0, connect_timeout=2.0, retries=0) as client:
        health = _health(client, stack.config)
        if health.failed:
            return [health, *(skipped(k, TITLES[k], "Kestra does not answer") for k in KEYS[1:])]
        login = _login(client)
        version = _version(client, stack.project)
        if login.failed:
            return [health, login, version, skipped(KEYS[3], TITLES[KEYS[3]], "needs the login")]
        return [health, login, version, _flows(client, stack.project)]


def _health(client: KestraClient, config: StackConfig) -> CheckResult:
    key = "kestra-health"
    kestra = config.kestra_service
    published = config.published(kestra, KESTRA_MANAGEMENT_TARGET) if kestra else None
    try:
        if published is not None:
            answer = client.health(f"http://{published.probe_host}:{published.published}")
            if answer.get("status") != "UP":
                return failed(
                    key,
                    TITLES[key],
                    UsageError(
                        f"Kestra's /health says {answer.get('status', 'DOWN')}",
                        "Its container runs, but Kestra is still starting or one of its "
                        "parts (database, queue, storage) is not ready.",
                        "Wait a minute and run `kestra-init doctor` again; "
                        "`kestra-init logs kestra` shows what it is doing",
                    ),
                )
        configs = client.configs(retry=False)
    except KestraInitError as error:
        return failed(key, TITLES[key], error)
    return passed(key, TITLES[key], f"Kestra {configs.get('version') or '(version unknown)'}")


def _login(client: KestraClient) -> CheckResult:
    key = "kestra-login"
    try:
        client.probe(retry=False)
    except KestraAuthError as error:
        problem = KestraAuthError(error.what, error.why, LOGIN_FIX)
        return failed(key, TITLES[key], problem, detail="Kestra answers 401 to the .env login")
    except KestraInitError as error:
        return failed(key, TITLES[key], error)
    return passed(key, TITLES[key], client.connection.username or "")


def _version(client: KestraClient, project: Project) -> CheckResult:
    """The running Kestra against the tag the project's own docker-compose.yml pins.

    The pin is what the project and its flows were written for; an override file
    or an old container can run something else.
    """
    key = "kestra-version"
    pinned = pinned_tag(project)
    if pinned is None:
        return skipped(key, TITLES[key], "docker-compose.yml pins no kestra/kestra:1.x tag")
    try:
        running = str(client.configs(retry=False).get("version") or "")
    except KestraInitError as error:
        return failed(key, TITLES[key], error)
    if not running:
        return skipped(key, TITLES[key], "Kestra did not say its version")
    if version_matches(pinned, running):
        return passed(key, TITLES[key], f"{running} (pinned {pinned})")
    return failed(
        key,
        TITLES[key],
        UsageError(
            f"Kestra {running} runs, but docker-compose.yml pins {pinned}",
            "The container was made from another image (an older pin, an override file, "
            "or an image pulled under the same tag).",
            "Run `kestra-init up --pull`: it pulls the pinned image and recreates the container",
        ),
    )


def _flows(client: KestraClient, project: Project) -> CheckResult:
    key = "kestra-flows"
    if not project.flows_dir.is_dir():
        return skipped(key, TITLES[key], f"no {project.flows_dir.name}/ folder")
    local, _problems = read_local_flows([project.flows_dir])
    if not local:
        return skipped(key, TITLES[key], "no flow files")
    try:
        namespaces = sorted({flow.namespace for flow in local})
        server = {ns: server_flows(ns, client.flow_sources(ns)) for ns in namespaces}
    except KestraInitError as error:
        return failed(key, TITLES[key], error)
    plan = plan_sync(local, server)
    missing = [f"{e.namespace}.{e.id}" for e in plan if e.action is Action.CREATE]
    differ = [f"{e.namespace}.{e.id}" for e in plan if e.action is Action.UPDATE]
    if not missing and not differ:
        return passed(key, TITLES[key], f"{len(local)} flow{'s' if len(local) != 1 else ''}")
    parts = []
    if missing:
        parts.append(f"not on the server: {', '.join(missing[:5])}")
    if differ:
        parts.append(f"different on the server: {', '.join(differ[:5])}")
    return warning(
        key,
        TITLES[key],
        "; ".join(parts),
        "`kestra-init sync` loads the files (`kestra-init sync --dry-run` shows the changes "
        "first; a flow edited in Kestra's UI is overwritten by its file)",
    )


def pinned_tag(project: Project) -> str | None:
    """The kestra/kestra tag in the project's own docker-compose.yml, when it is 1.x-like."""
    try:
        text = project.compose_path.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^\s*image:\s*[\"']?kestra/kestra:([^\s\"']+)", text, re.MULTILINE)
    if match is None or not _TAG_RE.match(match.group(1)):
        return None
    return match.group(1)


def version_matches(tag: str, version: str) -> bool:
    """``v1.3`` matches any 1.3.x; ``v1.3.2`` only 1.3.2 (a -SNAPSHOT suffix ignored)."""
    wanted = _TAG_RE.match(tag)
    found = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", version)
    if wanted is None or found is None:
        return False
    major, minor, patch = wanted.groups()
    if (found.group(1), found.group(2)) != (major, minor):
        return False
    return patch is None or found.group(3) == patch
