"""`kestra-init validate`: check flow files offline, and optionally on a running Kestra.

Composes the pieces: which files (the arguments, or the project's flows/
folder), the offline linter (``kestra_init.flows.lint``), and with ``--server``
the server's own validation (``kestra_init.flows.server_validate``). Returns a
``ValidateReport``; the output layer prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.errors import UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.lint import ProgressCallback, ValidationResult, validate_paths
from kestra_init.flows.lint_context import context_for_project
from kestra_init.flows.server_validate import validate_on_server
from kestra_init.kestra.connection import ConnectionFlags
from kestra_init.project import Project, find_project

# validate's URL flag: `--server` is the switch that asks a server at all.
URL_OPTION = "--url"


@dataclass(frozen=True)
class ValidateReport:
    result: ValidationResult
    targets: list[Path]  # the files and folders that were searched
    server_url: str | None = None  # set when a server validated the flows too

    @property
    def exit_code(self) -> ExitCode:
        return self.result.exit_code

    def to_json(self) -> dict[str, Any]:
        return {**self.result.to_json(), "server": self.server_url}


def validate_flows(
    paths: Sequence[Path],
    *,
    strict: bool = False,
    project_dir: Path | None = None,
    server: ConnectionFlags | None = None,
    use_server: bool = False,
    on_file: ProgressCallback | None = None,
) -> ValidateReport:
    """Validate ``paths`` (default: the project's flows folder)."""
    server = server or ConnectionFlags()
    given = server.given(URL_OPTION)
    if given and not use_server:
        raise UsageError(
            f"{', '.join(given)} only {'applies' if len(given) == 1 else 'apply'} with --server",
            "Offline validation needs no server; those options say which server to ask.",
            "add --server to have that Kestra validate the flows too, or drop the options",
        )
    project = _project(paths, project_dir)
    targets = list(paths) if paths else [_flows_dir(project, project_dir)]
    missing = [path for path in targets if not path.exists()]
    if missing:
        names = ", ".join(str(path) for path in missing)
        raise UsageError(
            f"{names} {'does' if len(missing) == 1 else 'do'} not exist",
            "validate checks .yml and .yaml files, and the folders that hold them.",
            "check the path, or run `kestra-init validate` with no path inside a project "
            "to check its flows/ folder",
        )
    context = context_for_project(project.root if project else None)
    result = validate_paths(targets, strict=strict, context=context, on_file=on_file)
    server_url = None
    if use_server and result.flow_documents:
        server_url = _validate_on_server(result, project, server)
    return ValidateReport(result, targets, server_url)


def _project(paths: Sequence[Path], project_dir: Path | None) -> Project | None:
    if project_dir is not None:
        return find_project(project_dir, required=True)
    start = paths[0] if paths else None
    if start is not None and not start.is_dir():
        start = start.parent
    if start is not None and not start.exists():
        return None
    return find_project(start, required=False)


def _flows_dir(project: Project | None, project_dir: Path | None) -> Path:
    if project is None:
        here = project_dir or Path.cwd()
        raise UsageError(
            "no flows to validate",
            f"No PATH was given, and {here} is not inside a kestra-init project, whose "
            "flows/ folder would be the default.",
            "pass the flow files or folders to check (`kestra-init validate flows/`), or run "
            "it inside a project made by `kestra-init new` (or with --project DIR)",
        )
    if not project.flows_dir.is_dir():
        raise UsageError(
            f"{project.root} has no flows/ folder",
            "With no PATH, validate checks the project's flows/ folder.",
            f"create {project.flows_dir} and put your flows in it, or pass the files to check",
        )
    return project.flows_dir


def _validate_on_server(
    result: ValidationResult, project: Project | None, flags: ConnectionFlags
) -> str:
    """Send the flows to Kestra's own validation and merge its findings in."""
    from kestra_init.kestra.client import KestraClient

    connection = flags.resolve(project, server_option=URL_OPTION)
    with KestraClient(connection) as client:
        found = validate_on_server(client, result.flow_documents)
    result.diagnostics.extend(found)
    result.diagnostics.sort(key=lambda d: d.sort_key())
    return connection.url
