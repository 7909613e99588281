"""Bringing a project's stack up: the machine checked, images present, Kestra answering.

`up` runs all three steps; `prepare` (for a codespace prebuild) runs the first
two. Each step reports progress through one callback (check results, stage
events, pull lines, step lines) and raises one of our errors, with its fix,
when the stack cannot start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kestra_init.check_result import CheckResult, Status
from kestra_init.codespaces.environment import in_codespace
from kestra_init.errors import EnvironmentProblem, Interrupted, KestraInitError
from kestra_init.kestra.connection import Connection
from kestra_init.project import Project
from kestra_init.project.checks import check_env_file, check_flow_secrets
from kestra_init.project.env_create import add_missing_secrets, create_env_file
from kestra_init.stack import checks, docker_wait
from kestra_init.stack.compose import ComposeFailed, Stack, resolve_settings
from kestra_init.stack.events import PullLine, StepLine
from kestra_init.stack.failures import timed_out
from kestra_init.stack.jvm_memory import chosen_java_opts, fit_heap
from kestra_init.stack.local import local_connection
from kestra_init.stack.model import ServiceState, StackConfig
from kestra_init.stack.readiness import (
    BackgroundJob,
    StageEvent,
    StageResult,
    StageStatus,
    StageTimeout,
    run_stages,
)
from kestra_init.stack.stages import StackWatch, stage_service, up_stages

T = TypeVar("T")
Progress = Callable[[Any], None]  # receives CheckResult, StageEvent, PullLine, StepLine
DOCKER_STAGE = "docker"
PULL_ATTEMPTS = 4
PULL_RETRY_SECONDS = 15.0  # then 30, 60: about two minutes in all


@dataclass(frozen=True)
class StartOptions:
    compose_files: tuple[Path, ...] = ()
    timeout: float = 300.0
    pull: bool = False
    # Seconds to wait for a Docker daemon that is still starting; None: the default
    # for this machine (120 s in a dev container, else none).
    docker_wait: float | None = None


@dataclass
class Checked:
    """What the preflight step found: the machine and the project are fit to start."""

    project: Project
    stack: Stack
    config: StackConfig
    env_created: bool
    was_running: bool  # every service of the stack already runs
    warnings: list[CheckResult]
    docker_waited: float = 0.0  # seconds spent waiting for a late Docker daemon
    states: dict[str, ServiceState] = field(default_factory=dict)  # as seen by the checks


@dataclass
class Started:
    """What the start-and-wait step leaves: a Kestra that answers an authenticated call."""

    connection: Connection
    stages: list[StageResult]
    services: list[ServiceState]
    restarted: bool  # Compose (re)created or started something


def preflight(project: Project, options: StartOptions, report: Progress) -> Checked:
    """The machine, the project's .env and compose files, the stack name and the ports.

    Each failure stops here with its fix, in this order. `docker info` (the slowest)
    runs in a thread meanwhile: reading .env and `compose config` need no engine.
    """

    must_pass(checks.check_docker_cli(), report)
    waited = wait_for_docker(options.docker_wait, report)
    daemon_check = in_background(checks.check_daemon)

    # The .env is made on a fresh clone, then checked against Kestra's rules.
    env_created = False
    env_added: list[str] = []
    env_error: KestraInitError | None = None
    try:
        if not project.env_path.exists():
            create_env_file(project.root)
            project = Project(project.root)
            env_created = True
        env_added = add_missing_secrets(project.root)
        if env_added:
            project = Project(project.root)
        env_check = check_env_file(project)
        stack = Stack(resolve_settings(project, options.compose_files))
        config = stack.config() if not env_check.failed else None
    except KestraInitError as error:
        env_error = error
    daemon, info = daemon_check.result()
    must_pass(daemon, report)
    must_pass(checks.check_compose(info), report)
    if env_error is not None:
        raise env_error
    if env_created:
        report(StepLine(".env created from .env.example with fresh secrets"))
    elif env_added:
        report(StepLine(f".env: added {', '.join(env_added)} (new in .env.example)"))
    must_pass(env_check, report)
    assert config is not None

    # What already runs (this folder's stack, not a namesake's); the ports it needs.
    states = stack.states()
    owner = checks.check_stack_name(config.name, project.root, states)
    if owner.failed:
        must_pass(owner, report)
    must_pass(checks.check_ports(config, states), report)
    warnings: list[CheckResult] = []
    written = fit_heap(project, info.mem_total) if info is not None else None
    if written:
        project = Project(project.root)
        report(StepLine(f".env: KESTRA_JAVA_OPTS={written} (Kestra's heap, fitted to Docker)"))
    memory = checks.check_memory(
        info, project.database, heap=chosen_java_opts(project), codespace=in_codespace()
    )
    for advice in (memory, check_flow_secrets(project)):
        report(advice)
        if advice.status is Status.WARNING:
            warnings.append(advice)
    was_running = bool(config.services) and all(
        name in states and states[name].running for name in config.services
    )
    return Checked(project, stack, config, env_created, was_running, warnings, waited, states)


def wait_for_docker(seconds: float | None, report: Progress) -> float:
    """Wait for a daemon that is still starting, with a visible line; the seconds waited.

    Returns at once when it answers or when there is nothing to wait for (then the
    daemon check that follows says what is wrong and how to fix it).
    """
    budget = docker_wait.default_wait() if seconds is None else seconds
    if budget <= 0:
        return 0.0
    title = "Waiting for Docker to start"
    detail = (
        "docker-in-docker starts dockerd in the background"
        if docker_wait.in_dev_container()
        else "the daemon is not answering yet"
    )
    shown = False

    def on_wait(elapsed: float) -> None:
        nonlocal shown
        shown = True
        report(StageEvent(DOCKER_STAGE, title, StageStatus.RUNNING, detail, elapsed))

    waited = docker_wait.wait_for_daemon(budget, on_wait)
    if waited is None:
        if shown:
            report(
                StageEvent(
                    DOCKER_STAGE, title, StageStatus.FAILED, f"no answer in {budget:.0f} s", budget
                )
            )
            raise docker_never_started(budget)
        return 0.0  # a socket this user may not use: the daemon check gives the fix
    if shown:
        report(StageEvent(DOCKER_STAGE, "Docker answered", StageStatus.DONE, "", waited))
    return waited


def docker_never_started(seconds: float) -> EnvironmentProblem:
    log = docker_wait.dind_log_tail()
    where = docker_wait.in_dev_container()
    return EnvironmentProblem(
        f"Docker did not start within {seconds:.0f} s",
        (
            "In this dev container the docker-in-docker feature starts dockerd when the "
            "container starts; it has not answered yet, or failed to start."
            if where
            else "The Docker daemon did not answer while kestra-init waited for it."
        ),
        (
            "Run `kestra-init up` again (`--wait-for-docker 300` waits longer); if dockerd "
            "failed (its log is /tmp/dockerd.log), rebuild the container "
            "(Codespaces: Command Palette > Rebuild Container)"
            if where
            else docker_wait.start_fix()
        ),
        details=log,
        details_title="/tmp/dockerd.log ends with",
    )


def pull_missing_images(checked: Checked, options: StartOptions, report: Progress) -> None:
    """Images are pulled before the start, with progress: a first run shows what it waits for."""
    if options.pull:
        pull_with_retries(checked.stack, [], report)
    elif not checked.was_running:
        missing = checked.stack.missing_images()
        if missing:
            services = [n for n, image in checked.config.images.items() if image in missing]
            pull_with_retries(checked.stack, services, report)


def pull_with_retries(
    stack: Stack,
    services: list[str],
    report: Progress,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Pull, waiting and trying again while the registry's rate limit refuses; the retries.

    Fifty codespaces starting at nine share a registry's limit: a refusal then is
    often over within minutes. Other failures are not retried (a wrong name stays
    wrong). The first wait is PULL_RETRY_SECONDS (KESTRA_INIT_PULL_RETRY_SECONDS
    changes it), doubled each time, PULL_ATTEMPTS tries in all.
    """

    def on_line(line: str) -> None:
        report(PullLine(line))

    wait = _first_wait()
    for attempt in range(1, PULL_ATTEMPTS + 1):
        try:
            stack.pull(services, on_line)
            return attempt - 1
        except ComposeFailed as error:
            limited = error.hint is not None and error.hint.kind == "rate-limit"
            if not limited or attempt == PULL_ATTEMPTS:
                if limited:
                    error.what = (
                        f"The registry's pull rate limit refused the images {PULL_ATTEMPTS} times"
                    )
                raise
            report(
                StepLine(
                    f"Pull refused by the registry's rate limit (attempt {attempt} of "
                    f"{PULL_ATTEMPTS}): trying again in {wait:g} s",
                    ok=False,
                )
            )
            sleep(wait)
            wait *= 2
    return PULL_ATTEMPTS - 1


def _first_wait() -> float:
    raw = os.environ.get("KESTRA_INIT_PULL_RETRY_SECONDS", "")
    try:
        return max(0.0, float(raw)) if raw else PULL_RETRY_SECONDS
    except ValueError:
        return PULL_RETRY_SECONDS


def start_and_wait(checked: Checked, options: StartOptions, report: Progress) -> Started:
    """`compose up -d` (a no-op for what already runs unchanged) while the stages poll."""

    stack, config = checked.stack, checked.config
    restarted: list[bool] = []  # did Compose (re)create or start anything?
    job: BackgroundJob | None = None
    seen: dict[str, ServiceState] | None = None
    if checked.was_running and stack.unchanged():
        # A running stack that nothing changes: the states the checks just read are
        # still true, and the first stages need no `compose ps` of their own.
        restarted.append(False)
        seen = checked.states
    else:
        # `compose up -d` in the background while the stages watch (it waits for
        # depends_on: service_healthy itself).
        def start(on_line: Callable[[str], None]) -> None:
            stack.up(on_line)
            restarted.append(True)

        job = BackgroundJob(start).start()
    connection = local_connection(checked.project, config)
    # httpx is imported here, once `compose up` runs: the caller may preload it meanwhile.
    from kestra_init.kestra.client import KestraClient

    def sleep(seconds: float) -> None:
        # Wake as soon as `compose up` ends rather than at the next poll.
        if job is None or job.finished.is_set():
            time.sleep(seconds)
        else:
            job.finished.wait(seconds)

    with KestraClient(connection, timeout=3.0, connect_timeout=1.0, retries=0) as probe_client:
        watch = StackWatch(stack, config, job, probe_client, connection)
        if seen is not None:
            watch.seed(seen)
        try:
            stages = run_stages(
                up_stages(watch, timeout=options.timeout),
                timeout=options.timeout,
                progress=report,
                sleep=sleep,
            )
        except StageTimeout as error:
            raise timed_out(stack, stage_service(error.stage.key, config), error) from None
    if job is not None:
        job.join()
        job.raise_error()
    return Started(connection, stages, list(watch.states().values()), any(restarted))


def interrupted(stack: Stack | None, phase: str) -> Interrupted:
    """Ctrl-C during `up`: what runs now, and what to run next.

    Compose keeps what it has started; containers go on starting without us. The
    person needs to know that something runs and how to go on or stop it.
    """
    what = f"`kestra-init up` was interrupted while {phase}"
    if stack is None:
        return Interrupted(
            what, "Nothing was started.", "Run `kestra-init up` again when you are ready"
        )
    try:
        states = stack.states()
    except (KestraInitError, KeyboardInterrupt):
        return Interrupted(
            what,
            "kestra-init could not ask Docker what runs now.",
            "See with `kestra-init status`; `kestra-init up` goes on, `kestra-init down` stops it",
        )
    running = [s for s in states.values() if s.running]
    if not running:
        return Interrupted(
            what,
            "None of the stack's containers runs.",
            "Run `kestra-init up` again when you are ready",
        )
    listed = ", ".join(
        f"{s.service} ({s.health.value})" if s.health.value else s.service for s in running
    )
    return Interrupted(
        what,
        f"Still running: {listed}. They go on starting without kestra-init.",
        "Run `kestra-init up` again to wait for Kestra and load the flows, "
        "`kestra-init status` to see the stack, or `kestra-init down` to stop it",
        details=[f"{s.service}: {s.state.value}" for s in states.values()],
        details_title="containers",
    )


def must_pass(result: CheckResult, report: Progress) -> None:
    report(result)
    if result.failed and result.error is not None:
        raise result.error


def in_background(function: Callable[[], T]) -> Future[T]:
    """Run ``function`` in a thread; its result (or error) comes from ``.result()``."""

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kestra-init")
    future = pool.submit(function)
    pool.shutdown(wait=False)  # the submitted work still runs to its end
    return future
