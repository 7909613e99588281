"""`kestra-init up`: from a project folder to "flows loaded, open this URL".

Checks the machine (each failure with its fix), creates `.env` when a fresh
clone has none, starts the stack with `docker compose up -d` (pulling images
first, with progress), waits in stages until Kestra answers an authenticated
call, validates the flows offline and syncs them. On a running stack nothing
is restarted: it checks, syncs and summarises.

Never silently skips loading: a stage that does not finish in time ends the
command with a non-zero code, the failing service's last 50 log lines and a hint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kestra_init.check_result import CheckResult
from kestra_init.errors import KestraInitError, UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.lint_context import context_for_project
from kestra_init.kestra.connection import Connection
from kestra_init.kestra.models import ExecutionState
from kestra_init.project import Project, require_project
from kestra_init.services.follow import RunResult, RunUpdate, start_and_follow
from kestra_init.services.local_flows import FlowSet, read_flow_set
from kestra_init.services.stack_start import (
    Checked,
    Progress,
    Started,
    StartOptions,
    in_background,
    interrupted,
    preflight,
    pull_missing_images,
    start_and_wait,
)
from kestra_init.services.sync.pipeline import SyncOptions, sync_flows
from kestra_init.services.sync.plan import Action
from kestra_init.services.sync.results import Outcome, SyncProgress, SyncResult, SyncStage
from kestra_init.stack.events import StepLine
from kestra_init.stack.model import ServiceState
from kestra_init.stack.readiness import StageEvent, StageResult, StageStatus

if TYPE_CHECKING:
    from concurrent.futures import Future

    from kestra_init.kestra.client import KestraClient

DEFAULT_TIMEOUT = 300.0
SMOKE_FLOW_ID = "hello_world"


@dataclass(frozen=True)
class UpOptions:
    compose_files: tuple[Path, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    sync: bool = True
    pull: bool = False
    smoke: bool = False
    docker_wait: float | None = None  # None: 120 s in a dev container, else no wait


@dataclass
class UpResult:
    project_root: Path
    project_name: str
    ui_url: str
    login_email: str | None
    password_location: str  # where the password is, never the password
    env_created: bool
    was_running: bool  # the stack was already up: nothing was (re)started
    services: list[ServiceState] = field(default_factory=list)
    stages: list[StageResult] = field(default_factory=list)
    warnings: list[CheckResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # offline validation
    not_loaded: list[Path] = field(default_factory=list)  # files left out for their errors
    sync: SyncResult | None = None  # None with --no-sync
    smoke: RunResult | None = None

    @property
    def error(self) -> KestraInitError | None:
        """An error that stopped the sync part-way: shown after the summary."""
        return self.sync.error if self.sync is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project_name,
            "project_root": str(self.project_root),
            "ui_url": self.ui_url,
            "login": self.login_email,
            "password_location": self.password_location,
            "env_created": self.env_created,
            "was_running": self.was_running,
            "services": [
                {
                    "service": s.service,
                    "state": s.state.value,
                    "health": s.health.value or None,
                    "container": s.name,
                }
                for s in self.services
            ],
            "stages": [
                {
                    "stage": s.key,
                    "title": s.title,
                    "seconds": round(s.seconds, 2),
                    "detail": s.detail,
                }
                for s in self.stages
            ],
            "warnings": [w.to_json() for w in self.warnings],
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "not_loaded": [str(p) for p in self.not_loaded],
            "sync": self.sync.to_json() if self.sync is not None else None,
            "smoke": None if self.smoke is None else self.smoke.to_json(),
        }

    @property
    def exit_code(self) -> ExitCode:
        if self.not_loaded or (self.sync is not None and not _sync_ok(self.sync)):
            return ExitCode.FINDINGS
        if self.smoke is not None:
            return self.smoke.exit_code  # the codes `kestra-init run` gives
        return ExitCode.OK


def up(
    *,
    start: Path | None = None,
    options: UpOptions | None = None,
    progress: Progress | None = None,
) -> UpResult:
    """Preflight, images, start and wait, summary, flows: each step below, in order."""
    options = options or UpOptions()
    report: Progress = progress or (lambda event: None)
    project = require_project(start)
    # What the later steps import (httpx, the validator, sync) loads meanwhile:
    # the first steps mostly wait for Docker's answers.
    in_background(_preload)

    start_options = StartOptions(
        options.compose_files, options.timeout, options.pull, options.docker_wait
    )
    checked: Checked | None = None
    phase = "checking the machine"
    try:
        checked = preflight(project, start_options, report)
        phase = "pulling images"
        pull_missing_images(checked, start_options, report)
        # The offline validation needs no server: it runs while the stack starts.
        validation = _validate_in_background(checked.project)
        phase = "starting the stack"
        started = start_and_wait(checked, start_options, report)
        result = _summary(checked, started)
        from kestra_init.kestra.client import KestraClient  # loaded by _preload by now

        phase = "loading the flows"
        flow_set = validation.result()
        with KestraClient(started.connection) as client:
            _load_flows(checked.project, client, result, options, report, flow_set)
            if options.smoke:
                phase = "running the smoke test"
                result.smoke = _smoke(
                    checked.project, flow_set, client, started.connection, options.timeout, report
                )
    except KeyboardInterrupt:
        raise interrupted(checked.stack if checked else None, phase) from None
    return result


def _summary(checked: Checked, started: Started) -> UpResult:
    """The result so far: where Kestra is, how to log in, what runs."""
    project = checked.project
    return UpResult(
        project_root=project.root,
        project_name=checked.config.name,
        ui_url=started.connection.ui_url(project.environ),
        login_email=project.admin_email,
        password_location=f"{project.env_path} (KESTRA_ADMIN_PASSWORD)",
        env_created=checked.env_created,
        # A changed .env or compose file makes Compose recreate containers even on a
        # running stack: then it was restarted, and the summary must not say otherwise.
        was_running=checked.was_running and not started.restarted,
        services=started.services,
        stages=started.stages,
        warnings=checked.warnings,
    )


def _load_flows(
    project: Project,
    client: KestraClient,
    result: UpResult,
    options: UpOptions,
    report: Progress,
    flow_set: FlowSet | None,
) -> None:
    """Report the offline validation, then sync what passed; files with errors are not sent.

    The same pipeline as `kestra-init sync` (``services.sync.pipeline``), on flows
    read and checked while the stack started.
    """
    if flow_set is None:
        if not options.sync:
            return
        flow_set = FlowSet([])
    result.diagnostics = flow_set.diagnostics()
    errors = sum(1 for d in result.diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in result.diagnostics if d.severity is Severity.WARNING)
    flows = len(flow_set.declared())
    report(
        StepLine(
            f"Flows validated: {_count(flows, 'flow')}, {_count(errors, 'error')}, "
            f"{_count(warnings, 'warning')}",
            ok=not flow_set.held_back(),
        )
    )
    if not options.sync:
        return
    result.not_loaded = flow_set.held_back()
    files_dir = project.namespace_files_dir if project.namespace_files_dir.is_dir() else None

    def on_sync(event: SyncProgress) -> None:
        verb = "reading" if event.stage is SyncStage.READ else "writing"
        report(
            StageEvent(
                "sync", "Flows synced", StageStatus.RUNNING, f"{verb} {event.namespace}", 0.0
            )
        )

    result.sync = sync_flows(
        client,
        flow_set,
        namespace_files_dir=files_dir,
        project_root=project.root,
        options=SyncOptions(check_everything=True, context=context_for_project(project.root)),
        progress=on_sync,
    )
    report(
        StageEvent(
            "sync",
            "Flows synced",
            StageStatus.DONE if _sync_ok(result.sync) else StageStatus.FAILED,
            _sync_summary(result.sync),
            0.0,
        )
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _sync_summary(sync: SyncResult) -> str:
    flows = sync.flows
    parts = [
        f"{sum(1 for f in flows if f.action is action)} {word}"
        for action, word in (
            (Action.CREATE, "created"),
            (Action.UPDATE, "updated"),
            (Action.UNCHANGED, "unchanged"),
        )
        if any(f.action is action for f in flows)
    ]
    text = ", ".join(parts) or "no flows"
    failed = sum(1 for f in flows if f.outcome is Outcome.FAILED)
    if failed:
        text += f", {failed} refused"
    uploaded = sum(1 for f in sync.files if f.outcome is Outcome.APPLIED)
    if uploaded:
        text += f"; {uploaded} namespace file{'s' if uploaded != 1 else ''} uploaded"
    return text


def _preload() -> None:
    # The two heaviest imports of the later steps: httpx (0.1 s) and the validator's
    # rules, loaded in a thread while the first steps wait for Docker's answers.
    import kestra_init.flows.lint
    import kestra_init.kestra.client  # noqa: F401


def _validate_in_background(project: Project) -> Future[FlowSet | None]:
    """The project's flows read, parsed and checked, in a thread while the stack starts."""

    def validate() -> FlowSet | None:
        if not project.flows_dir.is_dir():
            return None
        flow_set = read_flow_set([project.flows_dir], project_root=project.root)
        flow_set.parse_all(checks=True, context=context_for_project(project.root))
        return flow_set

    return in_background(validate)


def _smoke(
    project: Project,
    flow_set: FlowSet | None,
    client: KestraClient,
    connection: Connection,
    timeout: float,
    report: Progress,
) -> RunResult:
    """Run the hello-world flow with `run`'s own machinery and follow it to its end."""

    local = flow_set.flows()[0] if flow_set is not None else []
    candidates = sorted(
        (flow for flow in local if flow.id == SMOKE_FLOW_ID),
        key=lambda flow: flow.namespace != project.namespace,
    )
    if not candidates:
        raise UsageError(
            f"--smoke runs the {SMOKE_FLOW_ID} flow, and this project has none",
            f"No flow with id {SMOKE_FLOW_ID} was found under {project.flows_dir}.",
            "Leave out --smoke, or run another flow with `kestra-init run NAMESPACE/FLOW_ID`",
        )
    flow = candidates[0]
    title = f"Smoke test: {flow.namespace}.{flow.id}"
    started = time.monotonic()
    report(StageEvent("smoke", title, StageStatus.RUNNING, "starting", 0.0))

    def on_update(update: RunUpdate) -> None:
        elapsed = time.monotonic() - started
        state = update.execution.state.value
        report(StageEvent("smoke", title, StageStatus.RUNNING, state, elapsed))

    run = start_and_follow(
        client,
        connection,
        flow.namespace,
        flow.id,
        timeout=timeout,
        on_update=on_update,
        environ=project.environ,
    )
    state = run.execution.state
    status = StageStatus.DONE if state is ExecutionState.SUCCESS else StageStatus.FAILED
    report(StageEvent("smoke", title, status, state.value, time.monotonic() - started))
    return run


def _sync_ok(sync: SyncResult) -> bool:
    return not sync.failed and not sync.problems and sync.error is None


__all__ = ["UpOptions", "UpResult", "up"]
