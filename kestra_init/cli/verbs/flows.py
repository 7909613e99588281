"""`validate`, `sync`, `run`: the flows, offline and on any Kestra server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kestra_init.cli.options import (
    ApiTokenOption,
    FollowTimeoutOption,
    JsonOption,
    PasswordOption,
    ProjectOption,
    ServerOption,
    UsernameOption,
    ValidateFormat,
)
from kestra_init.cli.reporting import Outcome, reported
from kestra_init.cli.root import app
from kestra_init.results import CommandResult

PANEL = "Flows (offline, or on any Kestra server)"

PathsArgument = Annotated[
    Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Argument(
        metavar="PATH",
        help="Flow files or folders (default: the project's flows/ folder).",
        show_default=False,
    ),
]


def _validate_json(kwargs: dict[str, Any]) -> bool:
    return kwargs.get("output_format") is ValidateFormat.json


@app.command(rich_help_panel=PANEL)
@reported("validate", json_mode=_validate_json)
def validate(
    paths: PathsArgument = None,
    output_format: Annotated[
        ValidateFormat,
        typer.Option(
            "--format",
            help="text for people, json for tools, github for GitHub Actions annotations.",
        ),
    ] = ValidateFormat.text,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on warnings too, not only errors.")
    ] = False,
    target: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--target",
            metavar="VERSION",
            help="Kestra version to check for, e.g. 1.3, 2.0 (what to change before "
            "upgrading) or 1.3-ee (default: the project's settings, else the line it pins, "
            "else the newest 1.x).",
            show_default=False,
        ),
    ] = None,
    server: Annotated[
        bool,
        typer.Option(
            "--server", help="Also have a running Kestra validate the flows (its own rules)."
        ),
    ] = False,
    url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--url",
            help="Kestra's URL for --server (default: KESTRA_URL, then the project's).",
            show_default=False,
        ),
    ] = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    project: ProjectOption = None,
) -> Outcome:
    """Check flows offline: YAML, Kestra's rules, and mistakes that only fail at run time."""
    from kestra_init.commands.validate import validate_flows
    from kestra_init.kestra.connection import ConnectionFlags
    from kestra_init.output import validate as validate_output

    with validate_output.file_progress(output_format is ValidateFormat.text) as on_file:
        report = validate_flows(
            paths or [],
            strict=strict,
            target=target,
            project_dir=project,
            server=ConnectionFlags(url, username, password, api_token),
            use_server=server,
            on_file=on_file,
        )
    if output_format is ValidateFormat.github:
        return report, validate_output.render_github
    return report, validate_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("sync")
def sync(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="PATH",
            help="Flow files or folders (default: the project's flows/ and namespace-files/).",
            show_default=False,
        ),
    ] = None,
    project: ProjectOption = None,
    server: ServerOption = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also delete server flows that have no file, only in the namespaces your "
            "files use (asks first).",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking (with --prune).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and write nothing.")
    ] = False,
    files: Annotated[
        bool,
        typer.Option(
            "--files/--no-files",
            help="Also upload namespace-files/<namespace>/ (when syncing the whole project).",
        ),
    ] = True,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate/--no-validate",
            help="Check what is sent with `validate`'s rules first; files with errors are held "
            "back (--no-validate sends them as they are).",
        ),
    ] = True,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            "-w",
            help="After the first sync, sync again on every save until Ctrl-C (only what "
            "changed; an edit made in Kestra's UI meanwhile is never overwritten).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> Outcome:
    """Load flows into Kestra: create, update (only what changed), delete with --prune."""
    from kestra_init.kestra.connection import ConnectionFlags

    flags = ConnectionFlags(server, username, password, api_token)
    if watch:
        return _watch(paths, project, flags, prune, yes, dry_run, files, validate, as_json)

    from kestra_init.commands.sync import sync as sync_command
    from kestra_init.output import sync as sync_output

    with sync_output.progress() as view:
        result = sync_command(
            start=project,
            paths=paths or (),
            connection_flags=flags,
            prune=prune,
            confirm=sync_output.confirm_deletes(yes, view),
            dry_run=dry_run,
            namespace_files=files,
            validate=validate,
            progress=view,
        )
    return result, sync_output.render_text


def _watch(
    paths: list[Path] | None,
    project: Path | None,
    flags: Any,
    prune: bool,
    yes: bool,
    dry_run: bool,
    files: bool,
    validate: bool,
    as_json: bool,
) -> Outcome:
    from kestra_init.commands.sync import watch as watch_command
    from kestra_init.errors import UsageError
    from kestra_init.output import watch as watch_output

    if dry_run:
        raise UsageError(
            "--watch and --dry-run do not go together",
            "--watch writes each change as you save it; --dry-run writes nothing.",
            "run `kestra-init sync --dry-run` to see the plan, or `kestra-init sync --watch`",
        )
    result = watch_command(
        start=project,
        paths=paths or (),
        connection_flags=flags,
        prune=prune,
        confirm_prune=watch_output.confirm_prune(yes) if prune else None,
        namespace_files=files,
        validate=validate,
        listener=watch_output.WatchView(as_json=as_json),
    )
    return result, watch_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("pull")
def pull(
    namespaces: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            metavar="NAMESPACE",
            help="Namespaces to pull (default: the project's: its flows', its "
            "namespace-files/ folders', its own).",
            show_default=False,
        ),
    ] = None,
    project: ProjectOption = None,
    server: ServerOption = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Take the server's version over a file changed here too (conflicts "
            "included; asks first).",
        ),
    ] = False,
    keep_both: Annotated[
        bool,
        typer.Option(
            "--keep-both",
            help="For a conflict, write the server's version beside the file "
            "(FILE.server), to merge by hand.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and the diffs; write nothing.")
    ] = False,
    files: Annotated[
        bool,
        typer.Option("--files/--no-files", help="Also pull the namespace files."),
    ] = True,
    as_json: JsonOption = False,
) -> Outcome:
    """Bring back into the files what changed on the server (Kestra's UI), conflicts aside."""
    from kestra_init.commands.pull import pull as pull_command
    from kestra_init.kestra.connection import ConnectionFlags
    from kestra_init.output import pull as pull_output
    from kestra_init.services.pull.pipeline import PullOptions

    result = pull_command(
        start=project,
        namespaces=namespaces or (),
        connection_flags=ConnectionFlags(server, username, password, api_token),
        options=PullOptions(force=force, keep_both=keep_both, dry_run=dry_run, files=files),
        confirm=pull_output.confirm_pull(yes, force),
    )
    return result, pull_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("run")
def run(
    flow: Annotated[
        str,
        typer.Argument(
            metavar="NAMESPACE/FLOW_ID",
            help="The flow to run; its id alone when only one namespace has it.",
        ),
    ],
    inputs: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--input",
            "-i",
            metavar="KEY=VALUE",
            help="An input (repeatable); KEY=@path sends a file for a FILE input.",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="Follow the execution to its end, or print its id and return at once.",
        ),
    ] = True,
    timeout: FollowTimeoutOption = None,
    project: ProjectOption = None,
    server: ServerOption = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Run a flow and follow it: task states and logs live; the exit code says how it ended."""
    from kestra_init.commands.run import run as run_command
    from kestra_init.kestra.connection import ConnectionFlags

    return _followed(
        lambda view: run_command(
            flow=flow,
            inputs=inputs or (),
            wait=wait,
            timeout=timeout,
            start=project,
            connection_flags=ConnectionFlags(server, username, password, api_token),
            on_update=view,
        ),
        as_json,
    )


@app.command(rich_help_panel=PANEL)
@reported("attach")
def attach(
    execution_id: Annotated[
        str,
        typer.Argument(metavar="EXECUTION_ID", help="The execution to follow (run prints it)."),
    ],
    timeout: FollowTimeoutOption = None,
    project: ProjectOption = None,
    server: ServerOption = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Follow an execution that already runs: task states and logs; exit code as run's."""
    from kestra_init.commands.run import attach_to
    from kestra_init.kestra.connection import ConnectionFlags

    return _followed(
        lambda view: attach_to(
            execution_id=execution_id,
            timeout=timeout,
            start=project,
            connection_flags=ConnectionFlags(server, username, password, api_token),
            on_update=view,
        ),
        as_json,
    )


def _followed(follow: Callable[[Any], CommandResult], as_json: bool) -> Outcome:
    """run's and attach's: the execution followed live, unless the answer is JSON."""
    from kestra_init.output import run as run_output

    with run_output.RunView() as view:
        result = follow(None if as_json else view)
    return result, run_output.render_text
