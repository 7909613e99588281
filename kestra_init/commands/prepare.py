"""`kestra-init prepare`: everything `up` needs that no attendee has to wait for.

For a codespace prebuild (the devcontainer's updateContentCommand) or a CI
cache step: waits for Docker as `up` does, reads the compose files (with a
`.env` made for that moment on a fresh clone, then removed: each codespace's
`up` makes its own secrets), pulls the stack's images (with progress, trying
again on a registry's rate limit), checks that every image is there, and
checks the flows offline. It starts nothing. Run twice, the second run pulls
nothing.

Flow errors are listed but do not fail it: a codespace must still start, and
`up` refuses those files with the same findings; `kestra-init validate` is
the check that fails on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kestra_init.errors import EnvironmentProblem, KestraInitError
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.lint_context import context_for_project
from kestra_init.project import Project, require_project
from kestra_init.project.env_create import add_missing_secrets, create_env_file
from kestra_init.services.local_flows import read_flow_set
from kestra_init.services.stack_start import (
    Progress,
    in_background,
    must_pass,
    pull_with_retries,
    wait_for_docker,
)
from kestra_init.stack import checks
from kestra_init.stack.compose import Stack, resolve_settings
from kestra_init.stack.events import StepLine


@dataclass(frozen=True)
class ImageState:
    service: str
    image: str
    pulled: bool  # False: it was already here


@dataclass
class PrepareResult:
    project_root: Path
    images: list[ImageState]
    env_created: bool  # a .env was made to read the compose files, then removed
    docker_waited: float
    pull_retries: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    flow_files: int = 0

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    @property
    def flow_errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    def to_json(self) -> dict[str, Any]:
        return {
            "project_root": str(self.project_root),
            "images": [
                {"service": i.service, "image": i.image, "pulled": i.pulled} for i in self.images
            ],
            "env_created": self.env_created,
            "docker_waited_seconds": round(self.docker_waited, 2),
            "pull_retries": self.pull_retries,
            "flow_files": self.flow_files,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def prepare(
    *,
    start: Path | None = None,
    compose_files: Sequence[Path] = (),
    docker_wait: float | None = None,
    progress: Progress | None = None,
) -> PrepareResult:
    report: Progress = progress or (lambda event: None)
    project = require_project(start)
    validation = in_background(lambda: _check_flows(project))

    must_pass(checks.check_docker_cli(), report)
    waited = wait_for_docker(docker_wait, report)
    daemon, info = checks.check_daemon()
    must_pass(daemon, report)
    must_pass(checks.check_compose(info), report)

    # Compose needs a .env to read the files. One made here is removed again: in a
    # prebuild it would be copied into every attendee's codespace, and all of them
    # would share one admin password; `up` makes each its own.
    env_created = not project.env_path.exists()
    try:
        if env_created:
            create_env_file(project.root)
        elif added := add_missing_secrets(project.root):
            report(StepLine(f".env: added {', '.join(added)} (new in .env.example)"))
        images, retries = _pull(Stack(resolve_settings(project, compose_files)), report)
    finally:
        if env_created:
            project.env_path.unlink(missing_ok=True)

    diagnostics, files = validation.result()
    return PrepareResult(project.root, images, env_created, waited, retries, diagnostics, files)


def _pull(stack: Stack, report: Progress) -> tuple[list[ImageState], int]:
    """The images that are missing, pulled; every image of the stack, and the retries."""
    config = stack.config()
    missing = set(stack.missing_images())
    services = [name for name, image in config.images.items() if image in missing]
    retries = pull_with_retries(stack, services, report) if services else 0
    still = stack.missing_images()
    if still:
        raise EnvironmentProblem(
            f"{len(still)} image{'s' if len(still) > 1 else ''} of the stack "
            f"{'are' if len(still) > 1 else 'is'} still missing after the pull",
            f"Missing: {', '.join(still)}. Compose finished without pulling them (a service "
            "with `pull_policy: never`, or an image built locally).",
            "Build or load them (`docker compose build`, `docker load`), then run "
            "`kestra-init prepare` again",
        )
    report(StepLine(f"Images present: {len(set(config.images.values()))}"))
    images = [
        ImageState(service, image, image in missing) for service, image in config.images.items()
    ]
    return images, retries


def _check_flows(project: Project) -> tuple[list[Diagnostic], int]:
    """The flows checked offline, as `up` checks them before loading (errors and warnings)."""
    if not project.flows_dir.is_dir():
        return [], 0
    try:
        flow_set = read_flow_set([project.flows_dir], project_root=project.root)
        flow_set.parse_all(checks=True, context=context_for_project(project.root))
    except KestraInitError:
        return [], 0  # an unreadable folder: `up` and `validate` say why
    return flow_set.diagnostics(), len(flow_set.files)
