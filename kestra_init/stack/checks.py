"""Preflight checks: each a small function that looks at one thing and says how to fix it.

`up` runs them before starting anything and stops at the first failure (its
``error`` carries the right category, hence the exit code); `doctor` runs all
of them and lists every result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init import project as proj
from kestra_init.credentials import password_problem, username_problem
from kestra_init.errors import EnvironmentProblem, KestraInitError, UsageError
from kestra_init.stack import engine

if TYPE_CHECKING:
    from kestra_init.project import Project
    from kestra_init.stack.compose import ServiceState, StackConfig
    from kestra_init.stack.engine import EngineInfo

GIB = 1024**3
# Memory the engine should have for the stack. Kestra's JVM alone takes 1 to 2 GB;
# with Postgres, Kestra's own dev-container guidance asks for an 8 GB machine. Below
# these we warn (the stack may still start, then be killed under load).
MEMORY_NEEDED = {"postgres": 4 * GIB, "h2": 3 * GIB}


class Status(str, Enum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    key: str  # stable id, e.g. "docker-daemon"
    title: str  # what was checked, e.g. "Docker daemon reachable"
    status: Status
    detail: str = ""  # what was found
    fix: str = ""  # what to do when not passed
    error: KestraInitError | None = field(default=None, compare=False)  # raised by `up`

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    @property
    def details(self) -> list[str]:
        """What the failing tool said (e.g. Compose's YAML error), when the error kept it."""
        return list(self.error.details) if self.error is not None else []

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.key,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
            "details": self.details,
        }


def passed(key: str, title: str, detail: str = "") -> CheckResult:
    return CheckResult(key, title, Status.PASSED, detail)


def failed(key: str, title: str, error: KestraInitError, detail: str = "") -> CheckResult:
    return CheckResult(key, title, Status.FAILED, detail or error.what, error.fix, error)


def warning(key: str, title: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(key, title, Status.WARNING, detail, fix)


def skipped(key: str, title: str, detail: str) -> CheckResult:
    return CheckResult(key, title, Status.SKIPPED, detail)


# Docker ---------------------------------------------------------------------------------
def check_docker_cli() -> CheckResult:
    title = "Docker command installed"
    path = engine.docker_cli()
    if path:
        return passed("docker-cli", title, path)
    return failed(
        "docker-cli",
        title,
        EnvironmentProblem(
            "The docker command is not installed",
            "kestra-init runs Kestra with Docker Compose, and no `docker` was found on PATH.",
            "Install Docker Desktop (macOS, Windows) or Docker Engine "
            "(https://docs.docker.com/engine/install/), open a new terminal, and run the "
            "command again",
        ),
    )


def require_docker() -> None:
    """Raise the fix when there is no docker command; every command that runs it starts here."""
    result = check_docker_cli()
    if result.error is not None:
        raise result.error


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


def check_memory(info: EngineInfo | None, database: str) -> CheckResult:
    title = "Memory for the stack"
    if info is None or info.mem_total <= 0:
        return skipped("memory", title, "the engine did not say how much memory it has")
    needed = MEMORY_NEEDED.get(database, MEMORY_NEEDED["postgres"])
    have = info.mem_total / GIB
    if info.mem_total < needed:
        return warning(
            "memory",
            title,
            f"Docker has {have:.1f} GB; Kestra with {database} needs about {needed // GIB} GB",
            "Give Docker more memory (Docker Desktop: Settings > Resources), or use "
            "`--data database=h2` for a lighter single-container stack",
        )
    return passed("memory", title, f"Docker has {have:.1f} GB")


# The project's .env -----------------------------------------------------------------
def check_env_file(project: Project) -> CheckResult:
    """``.env`` exists and its credentials and ports meet Kestra's rules."""
    title = ".env present and valid"
    path = project.env_path
    if not path.is_file():
        return failed(
            "env-file",
            title,
            UsageError(
                f"{path} does not exist",
                "It holds the stack's ports and the Kestra and database credentials.",
                "Run `kestra-init up`, which creates it from .env.example with fresh secrets",
            ),
        )
    try:
        env = project.env
    except KestraInitError as error:  # not UTF-8, unreadable: doctor goes on with the rest
        return failed("env-file", title, error)
    problems = env_problems(env, project.database)
    if problems:
        return failed(
            "env-file",
            title,
            UsageError(
                f"{path} has {len(problems)} problem{'s' if len(problems) > 1 else ''}",
                "; ".join(problems) + ".",
                f"Edit {path} (keep it out of git), then run the command again",
            ),
            detail="; ".join(problems),
        )
    return passed("env-file", title, str(path))


def check_flow_secrets(project: Project) -> CheckResult:
    """SECRET_KESTRA_* in .env still hold the login, in base64.

    The starter flow that calls Kestra's API logs in with ``secret('KESTRA_USERNAME')``
    and ``secret('KESTRA_PASSWORD')``. Someone who changes the login in .env (as the
    project's README invites) easily forgets these two: the stack starts, and that
    flow then fails with 401 at run time. A warning, not a failure: only flows that
    use the secrets are affected.
    """
    import base64
    import binascii

    title = "Flow secrets match the login"
    if not project.env_path.is_file():
        return skipped("flow-secrets", title, "needs .env")
    try:
        env = project.env
    except KestraInitError:
        return skipped("flow-secrets", title, ".env cannot be read")
    pairs = (
        (proj.ENV_SECRET_USERNAME, proj.ENV_ADMIN_EMAIL),
        (proj.ENV_SECRET_PASSWORD, proj.ENV_ADMIN_PASSWORD),
    )
    stale: list[str] = []
    checked: list[str] = []
    for secret_key, login_key in pairs:
        encoded, login = env.get(secret_key), env.get(login_key)
        if encoded is None or not login:
            continue  # not used by this project, or the .env check reports it
        checked.append(secret_key)
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            stale.append(f"{secret_key} is not valid base64")
            continue
        if decoded != login:
            stale.append(f"{secret_key} is not {login_key} in base64")
    if not checked:
        return skipped("flow-secrets", title, "no SECRET_KESTRA_* in .env")
    if not stale:
        return passed("flow-secrets", title, "SECRET_KESTRA_* hold the login")
    return warning(
        "flow-secrets",
        title,
        "; ".join(stale) + ": flows that log in with secret() will get 401",
        "Set each again from the login in .env, e.g. SECRET_KESTRA_PASSWORD=$(printf '%s' "
        "'THE_PASSWORD' | base64), then run `kestra-init up` (Kestra reads them at start)",
    )


def env_problems(env: Mapping[str, str], database: str) -> list[str]:
    """What in these .env values Kestra or Compose would refuse."""
    problems: list[str] = []
    email = env.get(proj.ENV_ADMIN_EMAIL, "")
    if not email:
        problems.append(f"{proj.ENV_ADMIN_EMAIL} is missing")
    elif reason := username_problem(email):
        problems.append(f"{proj.ENV_ADMIN_EMAIL}: {reason}")
    password = env.get(proj.ENV_ADMIN_PASSWORD, "")
    if not password:
        problems.append(f"{proj.ENV_ADMIN_PASSWORD} is missing")
    elif reason := password_problem(password):
        problems.append(f"{proj.ENV_ADMIN_PASSWORD}: {reason}")
    if database == "postgres" and not env.get(proj.ENV_POSTGRES_PASSWORD):
        problems.append(f"{proj.ENV_POSTGRES_PASSWORD} is missing")
    ports: dict[str, int] = {}
    for key in (proj.ENV_PORT, proj.ENV_MANAGEMENT_PORT):
        raw = env.get(key)
        if raw is None or raw == "":
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            problems.append(f"{key}={raw} is not a port number (1 to 65535)")
        else:
            ports[key] = int(raw)
    if len(ports) == 2 and len(set(ports.values())) == 1:
        problems.append(f"{proj.ENV_PORT} and {proj.ENV_MANAGEMENT_PORT} are the same port")
    return problems


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
    from kestra_init.stack.ports import owner_of, port_is_free

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
    from kestra_init.stack.compose import KESTRA_MANAGEMENT_TARGET

    if target == KESTRA_MANAGEMENT_TARGET:
        return proj.ENV_MANAGEMENT_PORT
    return proj.ENV_PORT if target == 8080 else "the compose file's ports"
