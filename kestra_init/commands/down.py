"""`kestra-init down`: stop the stack; with --volumes, also delete its data after asking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kestra_init.exit_codes import ExitCode
from kestra_init.project import require_project
from kestra_init.stack.checks import check_stack_name
from kestra_init.stack.compose import open_stack

# Asked before deleting volumes: gets their names, answers True to go ahead.
ConfirmVolumes = Callable[[Sequence[str]], bool]


@dataclass(frozen=True)
class DownResult:
    project_name: str
    stopped: list[str] = field(default_factory=list)  # containers that were there
    volumes_deleted: list[str] = field(default_factory=list)
    volumes_kept: list[str] = field(default_factory=list)
    # Deleting the volumes was asked and the answer was no: nothing was touched.
    declined: bool = False

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project_name,
            "stopped": self.stopped,
            "volumes_deleted": self.volumes_deleted,
            "volumes_kept": self.volumes_kept,
            "declined": self.declined,
        }


def down(
    *,
    start: Path | None = None,
    compose_files: Sequence[Path] = (),
    volumes: bool = False,
    confirm: ConfirmVolumes | None = None,
    on_line: Callable[[str], None] | None = None,
) -> DownResult:
    """Stop and remove the stack's containers (and network); keep volumes unless asked.

    ``confirm`` is asked before volumes are deleted; None means the user already
    said yes (``--yes``).
    """
    project = require_project(start)
    stack = open_stack(project, compose_files)
    config = stack.config()
    states = stack.states()
    # A namesake stack made from another folder is that folder's: never delete its
    # data from here, nor stop it while that folder still exists.
    owner = check_stack_name(config.name, project.root, states)
    if owner.failed and owner.error is not None:
        others = {state.working_dir for state in states.values() if state.working_dir}
        if volumes or any(Path(other).is_dir() for other in others):
            raise owner.error
    existing = stack.existing_volumes()
    if volumes and existing and confirm is not None and not confirm(existing):
        # A "no" is an answer, not a mistake: stop here, touching nothing.
        return DownResult(project_name=config.name, volumes_kept=existing, declined=True)
    containers = [state.name for state in states.values()]
    stack.down(volumes=volumes, on_line=on_line)
    return DownResult(
        project_name=config.name,
        stopped=containers,
        volumes_deleted=existing if volumes else [],
        volumes_kept=[] if volumes else existing,
    )
