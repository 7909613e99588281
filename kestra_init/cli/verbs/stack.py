"""`up`, `down`, `status`, `logs`, `open`, `doctor`: the project's Docker stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kestra_init.cli.options import (
    ComposeFileOption,
    JsonOption,
    LogsComposeFileOption,
    ProjectOption,
    WaitForDockerOption,
)
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
    wait_for_docker: WaitForDockerOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Start Kestra (checks, docker compose up, readiness), then validate and load the flows."""
    from kestra_init.commands.up import UpOptions
    from kestra_init.commands.up import up as bring_up
    from kestra_init.output import up as up_output

    options = UpOptions(tuple(compose_file or ()), timeout, sync, pull, smoke, wait_for_docker)
    with up_output.progress() as progress:
        result = bring_up(start=project, options=options, progress=progress)
    return result, up_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("prepare")
def prepare(
    project: ProjectOption = None,
    compose_file: ComposeFileOption = None,
    wait_for_docker: WaitForDockerOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Pull the stack's images and check the flows, starting nothing (for prebuilds and CI)."""
    from kestra_init.commands.prepare import prepare as get_ready
    from kestra_init.output import prepare as prepare_output

    with prepare_output.progress() as progress:
        result = get_ready(
            start=project,
            compose_files=tuple(compose_file or ()),
            docker_wait=wait_for_docker,
            progress=progress,
        )
    return result, prepare_output.render_text


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
    compose_file: LogsComposeFileOption = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep printing new lines (Ctrl-C stops)."),
    ] = False,
    tail: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--tail", "-n", help="Only the last N lines of each service.", min=0),
    ] = None,
    since: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only lines since a time: 10m, 1h30m, 2026-12-01, 2026-12-01T09:00:00Z.",
        ),
    ] = None,
) -> Outcome:
    """Print the stack's logs (like `docker compose logs`: -f, -n, --since)."""
    from kestra_init.commands.logs import logs as read_logs
    from kestra_init.output import logs as logs_output

    result = read_logs(
        service,
        start=project,
        compose_files=tuple(compose_file or ()),
        follow=follow,
        tail=tail,
        since=since,
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
    report: Annotated[
        bool,
        typer.Option(
            "--report",
            help="Print a Markdown summary to paste into a chat or an issue (no secrets).",
        ),
    ] = False,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", metavar="FILE", help="Write the --report to FILE."),
    ] = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Check the machine, the project and the running Kestra; every problem with its fix."""
    from kestra_init.commands.doctor import doctor as examine
    from kestra_init.output import doctor as doctor_output

    result = examine(
        start=project, compose_files=tuple(compose_file or ()), report=report or bool(output)
    )
    if output is not None:
        doctor_output.write_report(result, output)
    if report or output:
        return result, doctor_output.report_renderer(output)
    return result, doctor_output.render_text
