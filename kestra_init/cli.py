"""The command line: one small function per command.

Each function parses its options, calls its module under
``kestra_init.commands`` and hands the result to ``kestra_init.output``. Command
modules are imported inside the functions, so ``kestra-init --help`` loads
neither copier, python-on-whales nor httpx.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from kestra_init import __version__
from kestra_init.connection import ConnectionFlags
from kestra_init.errors import KestraInitError
from kestra_init.exit_codes import ExitCode

app = typer.Typer(
    name="kestra-init",
    help=(
        "Create a ready-to-run Kestra repository, bring it up and load its flows.\n\n"
        "Start with [bold]kestra-init new myproj[/bold], then "
        "[bold]cd myproj && kestra-init up[/bold]."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)

# Options several commands share.
ProjectOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Option(
        "--project",
        "-C",
        help="The project folder (default: the one holding the current folder).",
        show_default=False,
    ),
]

# Connection to a Kestra server: the local project's by default, any server by flag/variable.
ServerOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--server",
        metavar="URL",
        help="Kestra's URL (default: KESTRA_URL, else the project's http://localhost:KESTRA_PORT).",
        show_default=False,
    ),
]
UsernameOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--username",
        help="Kestra username (default: KESTRA_USERNAME, else .env KESTRA_ADMIN_EMAIL).",
        show_default=False,
    ),
]
PasswordOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--password",
        help="Kestra password (default: KESTRA_PASSWORD, else .env KESTRA_ADMIN_PASSWORD). "
        "Prefer the variable: flags show in the process list.",
        show_default=False,
    ),
]
ApiTokenOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--api-token",
        help="API token sent as a bearer token instead of the password (or KESTRA_API_TOKEN).",
        show_default=False,
    ),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kestra-init {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Create a ready-to-run Kestra repository, bring it up and load its flows."""


# new / update (the Copier template) ---------------------------------------------
DataOption = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Option(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="Answer a template question, e.g. --data namespace=company.team (repeatable).",
        show_default=False,
    ),
]
TemplateOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--template",
        metavar="SRC",
        help="Use another Copier template: a folder, a git URL or gh:owner/repo.",
        show_default=False,
    ),
]
VcsRefOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--vcs-ref", metavar="REF", help="Template git tag or commit to use.", show_default=False
    ),
]


class ConflictStyle(str, Enum):
    inline = "inline"
    rej = "rej"


@app.command()
def new(
    path: Annotated[Path, typer.Argument(help="Folder to create (or an empty one).")],
    data: DataOption = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default answer to every question.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a non-empty folder; its files are kept."),
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="git init and a first commit.")
    ] = True,
    template: TemplateOption = None,
    vcs_ref: VcsRefOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a Kestra project: compose stack, flows, devcontainer, CI, secrets in .env."""
    from kestra_init.commands.new import create_project
    from kestra_init.output import new as new_output

    with new_output.progress() as progress:
        result = create_project(
            path,
            data=data or (),
            defaults=defaults,
            force=force,
            git=git,
            template=template,
            vcs_ref=vcs_ref,
            progress=progress,
        )
    raise typer.Exit(new_output.render(result, as_json=as_json))


@app.command()
def update(
    project: ProjectOption = None,
    data: DataOption = None,
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Take the default answer to any new question."),
    ] = False,
    vcs_ref: VcsRefOption = None,
    conflict: Annotated[
        ConflictStyle,
        typer.Option("--conflict", help="How to leave conflicts: inline markers or .rej files."),
    ] = ConflictStyle.inline,
    as_json: JsonOption = False,
) -> None:
    """Merge the template's latest changes into this project; your edits and .env stay."""
    from kestra_init.commands.update import update_project
    from kestra_init.output import new as new_output
    from kestra_init.output import update as update_output

    with new_output.progress() as progress:
        result = update_project(
            project,
            data=data or (),
            defaults=defaults,
            vcs_ref=vcs_ref,
            conflict=conflict.value,
            progress=progress,
        )
    raise typer.Exit(update_output.render(result, as_json=as_json))


# up / down / status / logs / open / doctor (the Docker stack) --------------------
ComposeFileOption = Annotated[
    Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Option(
        "--compose-file",
        "-f",
        metavar="FILE",
        help="Compose file to use instead of the project's (repeatable, later ones override; "
        "COMPOSE_FILE and COMPOSE_PROJECT_NAME are honoured too).",
        show_default=False,
    ),
]


@app.command()
def up(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1,
            help="Seconds to wait for the stack to become ready (image pulls not counted).",
        ),
    ] = 300,
    sync: Annotated[
        bool, typer.Option("--sync/--no-sync", help="Validate and load the flows once ready.")
    ] = True,
    pull: Annotated[
        bool, typer.Option("--pull", help="Pull newer images before starting.")
    ] = False,
    smoke: Annotated[
        bool,
        typer.Option("--smoke", help="Run the hello_world flow and wait for it to succeed."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Start Kestra (checks, docker compose up, readiness), then validate and load the flows."""
    from kestra_init.commands.up import UpOptions
    from kestra_init.commands.up import up as bring_up
    from kestra_init.output import up as up_output

    options = UpOptions(tuple(compose_file or ()), timeout, sync, pull, smoke)
    with up_output.progress() as progress:
        result = bring_up(start=project, options=options, progress=progress)
    code = up_output.render(result, as_json=as_json)
    if result.error is not None:  # a sync stopped part-way: its error comes after the summary
        raise result.error
    raise typer.Exit(code)


@app.command()
def down(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    volumes: Annotated[
        bool,
        typer.Option("--volumes", help="Also delete the data: database, storage (asks first)."),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete volumes without asking.")
    ] = False,
) -> None:
    """Stop and remove the stack's containers; the data stays unless --volumes."""
    from kestra_init.commands.down import down as take_down
    from kestra_init.output import down as down_output

    result = take_down(
        start=project,
        compose_files=tuple(compose_file or ()),
        volumes=volumes,
        confirm=None if yes else down_output.confirm_volumes,
        on_line=down_output.progress_line,
    )
    raise typer.Exit(down_output.render(result))


@app.command()
def status(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the services, Kestra's version and URLs, and local flows against the server."""
    from kestra_init.commands.status import status as read_status
    from kestra_init.output import status as status_output

    result = read_status(start=project, compose_files=tuple(compose_file or ()))
    raise typer.Exit(status_output.render(result, as_json=as_json))


@app.command()
def logs(
    service: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="Only this service (e.g. kestra, postgres).", show_default=False),
    ] = None,
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep printing new lines (Ctrl-C stops).")
    ] = False,
    tail: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--tail", "-n", help="Only the last N lines of each service.", min=0),
    ] = None,
) -> None:
    """Print the stack's logs."""
    from kestra_init.commands.logs import logs as read_logs
    from kestra_init.output import logs as logs_output

    lines = read_logs(
        service, start=project, compose_files=tuple(compose_file or ()), follow=follow, tail=tail
    )
    raise typer.Exit(logs_output.render(lines))


@app.command("open")
def open_(
    project: ProjectOption = None,
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="Open a browser when there is one.")
    ] = True,
) -> None:
    """Print the Kestra UI's URL and open it in a browser when this machine has one."""
    from kestra_init.commands.open import open_ui
    from kestra_init.output import open as open_output

    raise typer.Exit(open_output.render(open_ui(start=project, launch=browser)))


@app.command()
def doctor(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the machine and the project; every problem with its fix."""
    from kestra_init.commands.doctor import doctor as examine
    from kestra_init.output import doctor as doctor_output

    result = examine(start=project, compose_files=tuple(compose_file or ()))
    doctor_output.render(result, as_json=as_json)
    raise typer.Exit(result.exit_code)


# validate (the offline flow linter) --------------------------------------------------
class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


@app.command()
def validate(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at run time on 3.10
        typer.Argument(
            metavar="PATH",
            help="Flow files or folders (default: the project's flows/ folder).",
            show_default=False,
        ),
    ] = None,
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
) -> None:
    """Check flows offline: YAML, Kestra's rules, and mistakes that only fail at run time."""
    from kestra_init.commands.validate import validate_flows
    from kestra_init.output import validate as validate_output

    with validate_output.file_progress(output_format is ValidateFormat.text) as on_file:
        report = validate_flows(
            paths or [],
            strict=strict,
            project_dir=project,
            server=ConnectionFlags(url, username, password, api_token),
            use_server=server,
            on_file=on_file,
        )
    raise typer.Exit(validate_output.render(report, output_format.value))


# sync / run (Kestra's API; the same commands work against a remote server) ------
@app.command()
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
    as_json: JsonOption = False,
) -> None:
    """Load flows into Kestra: create, update (only what changed), delete with --prune."""
    from kestra_init.commands.sync import sync as sync_command
    from kestra_init.output import sync as sync_output

    with sync_output.progress() as view:
        result = sync_command(
            start=project,
            paths=paths or (),
            connection_flags=ConnectionFlags(server, username, password, api_token),
            prune=prune,
            confirm=sync_output.confirm_deletes(yes, view),
            dry_run=dry_run,
            namespace_files=files,
            progress=view,
        )
    code = sync_output.render(result, as_json=as_json)
    if result.error is not None:
        raise result.error
    raise typer.Exit(code)


@app.command()
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
    timeout: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop waiting after this long (exit 5); the execution itself goes on.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOption = None,
    server: ServerOption = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    api_token: ApiTokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a flow and follow it: task states and logs live; the exit code says how it ended."""
    from kestra_init.commands.run import run as run_command
    from kestra_init.output import run as run_output

    with run_output.RunView() as view:
        result = run_command(
            flow=flow,
            inputs=inputs or (),
            wait=wait,
            timeout=timeout,
            start=project,
            connection_flags=ConnectionFlags(server, username, password, api_token),
            on_update=None if as_json else view,
        )
    raise typer.Exit(run_output.render(result, as_json=as_json))


def main() -> None:
    """Entry point: run the app; turn every error into a message and an exit code."""
    try:
        code = _run()
    except BrokenPipeError:
        code = _output_closed()
    except SystemExit as stop:
        # Typer turns a BrokenPipeError inside a command into SystemExit(1),
        # our "findings" code; the error it handled is the exit's context.
        if not isinstance(stop.__context__, BrokenPipeError):
            raise
        code = _output_closed()
    raise SystemExit(int(code or 0))


def _run() -> int | None:
    # The error renderer is imported only when there is an error to render.
    try:
        code = app(standalone_mode=False)
    except BrokenPipeError:
        raise  # main() ends the command quietly, whatever caught it
    except KestraInitError as error:
        from kestra_init.output import errors as error_output

        error_output.render_error(error)
        code = error_output.exit_code_for(error)
    except (KeyboardInterrupt, typer.Abort):
        code = ExitCode.INTERRUPTED
    except Exception as error:  # the last line of defence against tracebacks
        if _is_click_exception(error):
            error.show()  # type: ignore[attr-defined]
            code = error.exit_code  # type: ignore[attr-defined]
        else:
            from kestra_init.output import errors as error_output

            code = error_output.report_internal_error(error)
    return code


def _output_closed() -> ExitCode:
    """The reader of our output went away (`| head -1`): stop writing, say nothing.

    What is still buffered would fail again when Python flushes at exit (a
    second BrokenPipeError, printed as "Exception ignored"), so the standard
    streams are pointed at the null device first (Python's documented recipe).
    """
    import contextlib
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # A stream replaced or already closed has nothing left to flush.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return ExitCode.OUTPUT_CLOSED


def _is_click_exception(error: Exception) -> bool:
    # Typer ships its own copy of click; its usage errors have show() and exit_code.
    return hasattr(error, "show") and hasattr(error, "exit_code")
