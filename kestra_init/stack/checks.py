"""Preflight checks of the machine: Docker, Compose, memory, the stack's name, its ports.

Each is a small function that looks at one thing and says how to fix it
(a ``CheckResult``). `up` runs them before starting anything and stops at the
first failure; `doctor` runs all of them and lists every result. The checks
of the project's ``.env`` are in ``project/checks.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kestra_init.check_result import CheckResult, failed, passed, skipped, warning
from kestra_init.errors import EnvironmentProblem
from kestra_init.project import ENV_MANAGEMENT_PORT, ENV_PORT
from kestra_init.stack import engine
from kestra_init.stack.engine import EngineInfo
from kestra_init.stack.jvm_memory import ENV_JAVA_OPTS, MIB, TOO_BIG, heap_of
from kestra_init.stack.model import (
    KESTRA_MANAGEMENT_TARGET,
    KESTRA_UI_TARGET,
    ServiceState,
    StackConfig,
)
from kestra_init.stack.ports import owner_of, port_is_free

GIB = 1024**3
# Memory the engine should have for the stack. Kestra's JVM alone takes 1 to 2 GB;
# with Postgres, Kestra's own dev-container guidance asks for an 8 GB machine. Below
# these we warn (the stack may still start, then be killed under load).
MEMORY_NEEDED = {"postgres": 4 * GIB, "h2": 3 * GIB}


# Docker ---------------------------------------------------------------------------------
def check_docker_cli() -> CheckResult:
    title = "Docker command installed"
    path = engine.docker_cli()
    if path:
        return passed("docker-cli", title, path)
    return failed("docker-cli", title, engine.docker_missing_error())


def check_daemon() -> tuple[CheckResult, EngineInfo | None]:
    title = "Docker daemon reachable"
    try:
        info = engine.engine_info()
    except EnvironmentProblem as error:
        return failed("docker-daemon", title, error), None
    return passed("docker-daemon", title, f"Docker Engine {info.server_version}"), info


def check_compose(info: EngineInfo | None = None) -> CheckResult:
    title = "Docker Compose v2"
    known = info.compose_version if info is not None else None
    version = known or engine.compose_version()
    needed = engine.format_version(engine.MIN_COMPOSE)
    if version is None:
        return failed(
            "docker-compose",
            title,
            EnvironmentProblem(
                "Docker Compose v2 is not installed",
                "`docker compose` is not a docker command here. kestra-init uses the Compose "
                "v2 plugin; the old `docker-compose` (v1) cannot run it.",
                "Install the plugin: update Docker Desktop, or on Linux install "
                "`docker-compose-plugin` from Docker's apt/yum repository",
            ),
        )
    if version < engine.MIN_COMPOSE:
        found = engine.format_version(version)
        return failed(
            "docker-compose",
            title,
            EnvironmentProblem(
                f"Docker Compose {found} is too old",
                f"kestra-init needs Compose {needed} or newer.",
                "Update Docker Desktop, or the `docker-compose-plugin` package on Linux",
            ),
            detail=f"Compose {found}, older than {needed}",
        )
    return passed("docker-compose", title, f"Compose {engine.format_version(version)}")


def check_memory(
    info: EngineInfo | None, database: str, *, heap: str | None = None, codespace: bool = False
) -> CheckResult:
    """Docker's memory against what the stack needs; ``heap``: the JVM options `up` chose."""
    title = "Memory for the stack"
    if info is None or info.mem_total <= 0:
        return skipped("memory", title, "the engine did not say how much memory it has")
    needed = MEMORY_NEEDED.get(database, MEMORY_NEEDED["postgres"])
    have = info.mem_total / GIB
    heap_size = heap_of(heap) if heap else None
    heap_note = f"; Kestra's heap {heap_size // MIB} MB" if heap_size else ""
    if heap_size and heap_size > TOO_BIG * info.mem_total:
        return warning(
            "memory",
            title,
            f"Kestra's heap ({ENV_JAVA_OPTS}={heap}) is more than {TOO_BIG:.0%} of the "
            f"{have:.1f} GB Docker has: the database and task containers are squeezed",
            f"Lower {ENV_JAVA_OPTS} in .env, or delete that line and run `kestra-init up`, "
            "which fits it to this machine",
        )
    if info.mem_total < needed:
        bigger = (
            "Pick a bigger machine type for the codespace (Codespaces: Change machine type; "
            "2-core has 8 GB)"
            if codespace
            else "Give Docker more memory (Docker Desktop: Settings > Resources)"
        )
        lighter = (
            ""
            if database == "h2"
            else ", or make the project with `--data database=h2`, one lighter container"
        )
        return warning(
            "memory",
            title,
            f"Docker has {have:.1f} GB; Kestra with {database} needs about {needed // GIB} GB"
            f"{heap_note}",
            f"{bigger}{lighter}",
        )
    return passed("memory", title, f"Docker has {have:.1f} GB{heap_note}")


# The compose project name ----------------------------------------------------------------
def check_stack_name(
    name: str, project_root: Path, states: Mapping[str, ServiceState]
) -> CheckResult:
    """The stack's containers, if any, were made from this folder.

    Compose tells stacks apart by name only. Two folders with the same project
    name (a project made again elsewhere, a copy) would share containers and data
    volumes: `up` in one would silently replace the other's containers, whose
    Postgres volume keeps the password of the first .env.
    """
    title = "Stack name not shared"
    here = project_root.resolve()
    others = sorted(
        {
            state.working_dir
            for state in states.values()
            if state.working_dir and Path(state.working_dir).resolve() != here
        }
    )
    if not others:
        return passed("stack-name", title, f"'{name}'")
    other = others[0]
    if Path(other).is_dir():
        stop = f"stop it first with `kestra-init down -C {other}`"
    else:
        stop = (
            f"its folder is gone, so remove its containers with `docker compose -p {name} "
            "down` (add `--volumes` to delete its data too)"
        )
    return failed(
        "stack-name",
        title,
        EnvironmentProblem(
            f"The stack name '{name}' is already used by the project in {other}",
            "Docker Compose tells stacks apart by their name only, so from here kestra-init "
            "would replace, stop or delete that project's containers and data volumes (and "
            "its database keeps the password of that project's .env).",
            f"Work with one of the two at a time: {stop}, then run the command here again "
            "(projects made with different names never collide)",
        ),
        detail=f"'{name}' has containers made from {other}",
    )


# Ports --------------------------------------------------------------------------------
def check_ports(config: StackConfig, states: Mapping[str, ServiceState]) -> CheckResult:
    """Every port the stack publishes is free, or already published by this very stack."""
    title = "Ports free"
    ours = {port.published for state in states.values() if state.running for port in state.ports}
    checked: list[str] = []
    for port in config.ports:
        if port.published in ours:
            checked.append(f"{port.published} (this stack)")
            continue
        host = port.host_ip or "0.0.0.0"
        if port_is_free(port.published, host):
            checked.append(str(port.published))
            continue
        owner = owner_of(port.published)
        held_by = f" by {owner.describe()}" if owner else " by another program"
        env_key = _env_key_for(port.target)
        return failed(
            "ports",
            title,
            EnvironmentProblem(
                f"Port {port.published} is already in use{held_by}",
                f"The '{port.service}' service publishes port {port.published} "
                f"(container port {port.target}), so the stack cannot start while it is taken.",
                (
                    f"Stop {owner.describe() if owner else 'whatever holds it'}"
                    + (
                        f" (`docker stop {owner.name}`)"
                        if owner and owner.kind == "container"
                        else ""
                    )
                    + f", or set another port with {env_key}=... in .env"
                    + "; then run `kestra-init up` again"
                ),
            ),
            detail=f"port {port.published} in use{held_by}",
        )
    if not checked:
        return skipped("ports", title, "the stack publishes no ports")
    return passed("ports", title, ", ".join(checked))


def _env_key_for(target: int) -> str:
    if target == KESTRA_MANAGEMENT_TARGET:
        return ENV_MANAGEMENT_PORT
    return ENV_PORT if target == KESTRA_UI_TARGET else "the compose file's ports"
