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
from kestra_init.flows.lint import UNREAD_RULES, ProgressCallback, ValidationResult, validate_paths
from kestra_init.flows.lint_context import choose_target, context_for_project
from kestra_init.flows.registry import RULES
from kestra_init.flows.rules.base import did_you_mean
from kestra_init.flows.server_validate import validate_on_server
from kestra_init.kestra.connection import ConnectionFlags
from kestra_init.project import Project, find_project
from kestra_init.project.settings import ValidateSettings, load_validate_settings

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
    target: str | None = None,
    project_dir: Path | None = None,
    server: ConnectionFlags | None = None,
    use_server: bool = False,
    on_file: ProgressCallback | None = None,
) -> ValidateReport:
    """Validate ``paths`` (default: the project's flows folder).

    ``target`` is the Kestra version to check for (`--target`); without it, the
    project's settings, then the line it pins, then the newest 1.x line.
    """
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
    root = project.root if project else None
    settings = load_validate_settings(root or _start(targets))
    _check_ignored(settings)
    context = context_for_project(
        root, target=choose_target(target, settings, root), settings=settings
    )
    result = validate_paths(targets, strict=strict, context=context, on_file=on_file)
    server_url = None
    if use_server and result.flow_documents:
        server_url = _validate_on_server(result, project, server)
    return ValidateReport(result, targets, server_url)


def _start(targets: Sequence[Path]) -> Path:
    first = targets[0] if targets else Path.cwd()
    return first if first.is_dir() else first.parent


def _check_ignored(settings: ValidateSettings) -> None:
    """Refuse ignore settings that name no rule, or a rule that cannot be switched off."""
    unknown = [rule for rule in settings.ignore if rule not in RULES]
    if unknown:
        hint = did_you_mean(unknown[0], RULES)
        raise UsageError(
            f"{settings.source}: `ignore` names {', '.join(unknown)}, which "
            f"{'is not a rule' if len(unknown) == 1 else 'are not rules'} of kestra-init." + hint,
            "A misspelt rule would silence nothing while looking as if it did.",
            "use the rule ids that findings show (all are listed in docs/rules.md)",
        )
    unread = [rule for rule in settings.ignore if rule in UNREAD_RULES]
    if unread:
        raise UsageError(
            f"{settings.source}: `ignore` names {', '.join(unread)}, which cannot be ignored",
            "These say that a file could not be read, so its flows are unknown; sync and up "
            "rely on them never to take an unread file for an empty one.",
            "fix or move the files they name, and remove these ids from `ignore`",
        )


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
