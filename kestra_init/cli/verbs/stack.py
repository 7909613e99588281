"""`up`, `down`, `status`, `logs`, `open`, `doctor`: the project's Docker stack."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kestra_init.cli.options import ComposeFileOption, JsonOption, ProjectOption
from kestra_init.cli.reporting import Outcome, reported
from kestra_init.cli.root import app

PANEL = "Run the stack"


@app.command(rich_help_panel=PANEL)
@reported("up")
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
) -> Outcome:
    """Start Kestra (checks, docker compose up, readiness), then validate and load the flows."""
    from kestra_init.commands.up import UpOptions
    from kestra_init.commands.up import up as bring_up
    from kestra_init.output import up as up_output

    options = UpOptions(tuple(compose_file or ()), timeout, sync, pull, smoke)
    with up_output.progress() as progress:
        result = bring_up(start=project, options=options, progress=progress)
    return result, up_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("down")
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
    as_json: JsonOption = False,
) -> Outcome:
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
    return result, down_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("status")
def status(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Show the services, Kestra's version and URLs, and local flows against the server."""
    from kestra_init.commands.status import status as read_status
    from kestra_init.output import status as status_output

    result = read_status(start=project, compose_files=tuple(compose_file or ()))
    return result, status_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("logs")
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
) -> Outcome:
    """Print the stack's logs."""
    from kestra_init.commands.logs import logs as read_logs
    from kestra_init.output import logs as logs_output

    result = read_logs(
        service, start=project, compose_files=tuple(compose_file or ()), follow=follow, tail=tail
    )
    return result, logs_output.render_text


@app.command("open", rich_help_panel=PANEL)
@reported("open")
def open_(
    project: ProjectOption = None,
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="Open a browser when there is one.")
    ] = True,
    as_json: JsonOption = False,
) -> Outcome:
    """Print the Kestra UI's URL and open it in a browser when this machine has one."""
    from kestra_init.commands.open import open_ui
    from kestra_init.output import open as open_output

    return open_ui(start=project, launch=browser), open_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("doctor")
def doctor(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Check the machine and the project; every problem with its fix."""
    from kestra_init.commands.doctor import doctor as examine
    from kestra_init.output import doctor as doctor_output

    result = examine(start=project, compose_files=tuple(compose_file or ()))
    return result, doctor_output.render_text
