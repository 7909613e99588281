"""Rendering of `kestra-init up`: live progress on stderr, then a summary on stdout.

The summary is what a person needs next: the URL to open, the login and where
the password is (never the password), the state of the stack, and the flows
that were loaded, as a table.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from kestra_init.commands.up import UpResult
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.models import ExecutionState
from kestra_init.output import sync as sync_output
from kestra_init.output.console import out
from kestra_init.output.up_progress import UpProgress
from kestra_init.services.sync.results import Outcome


def progress() -> UpProgress:
    """The live display `up` reports to (a context manager)."""
    return UpProgress()


def render_text(result: UpResult) -> None:
    console = out()
    console.print(headline(result), soft_wrap=True)
    console.print(f"  UI        {result.ui_url}", soft_wrap=True)
    if result.login_email:
        console.print(f"  Login     {escape(result.login_email)}")
    console.print(f"  Password  in {escape(result.password_location)}", soft_wrap=True)
    stack = ", ".join(
        f"{s.service} {s.state.value}" + (f" ({s.health.value})" if s.health.value else "")
        for s in result.services
    )
    console.print(f"  Stack     {escape(result.project_name)}: {escape(stack)}")
    if result.env_created:
        console.print("  .env      created with fresh secrets (git-ignored; keep it private)")
    for warning in result.warnings:
        console.print(f"  [yellow]Warning[/yellow]   {escape(warning.detail)}")

    if result.diagnostics:
        console.print()
        for diagnostic in result.diagnostics:
            style = {"error": "red", "warning": "yellow"}.get(diagnostic.severity.value, "dim")
            path = _relative(diagnostic.path, result.project_root)
            where = f"{path}:{diagnostic.line}:{diagnostic.column}"
            console.print(
                f"{escape(where)}: [{style}]{diagnostic.severity.value}[/{style}] "
                f"{diagnostic.rule} {escape(diagnostic.message)}",
                soft_wrap=True,
            )

    if result.sync is not None:
        # The same tables and summary as `kestra-init sync`.
        console.print()
        sync_output.render_text(result.sync)
    elif not result.not_loaded:
        console.print("\nFlows not loaded (--no-sync): `kestra-init sync` loads them.")
    for broken in result.not_loaded:
        console.print(
            f"[red]Not loaded[/red] {escape(_relative(broken, result.project_root))}: it has "
            "errors (listed above); fix them, then run `kestra-init sync`.",
            soft_wrap=True,
        )

    if result.smoke is not None:
        run = result.smoke
        state = run.execution.state
        style = "green" if state is ExecutionState.SUCCESS else "red"
        console.print(
            f"\nSmoke test: {run.namespace}.{run.flow_id} ended [{style}]{state}[/{style}]"
            f"  {run.link}",
            soft_wrap=True,
        )
    if result.exit_code is ExitCode.OK:
        console.print(
            "\nNext: `kestra-init open` · `kestra-init status` · `kestra-init logs kestra`"
        )
    else:
        console.print(f"\n{escape(headline_problems(result))}", soft_wrap=True)


def headline(result: UpResult) -> str:
    """The first line: Kestra's state and, when something did not work, what did not.

    A stack that runs with a flow left out is not "up and ready": the failure
    belongs in the line everybody reads, not only in the last lines.
    """
    problems = headline_problems(result)
    if problems:
        return f"[bold yellow]Kestra is up[/bold yellow]; {escape(problems)}"
    if result.was_running:
        return "[bold green]Kestra is up[/bold green] (it was already running: nothing restarted)"
    return "[bold green]Kestra is up and ready[/bold green]"


def headline_problems(result: UpResult) -> str:
    """What did not work, in one clause ('' when everything did)."""
    parts: list[str] = []
    if result.not_loaded:
        files = [_relative(path, result.project_root) for path in result.not_loaded]
        parts.append(f"{_count(len(files), 'flow file')} not loaded: {_some(files)}")
    if result.sync is not None:
        refused = [
            f"{flow.namespace}.{flow.id}"
            for flow in result.sync.flows
            if flow.outcome is Outcome.FAILED
        ]
        if refused:
            parts.append(f"{_count(len(refused), 'flow')} refused by Kestra: {_some(refused)}")
        if result.sync.error is not None:
            parts.append(f"loading stopped: {result.sync.error.what}")
    if result.smoke is not None and result.smoke.execution.state is not ExecutionState.SUCCESS:
        parts.append(f"the smoke test ended {result.smoke.execution.state.value}")
    return "; ".join(parts)


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _some(names: list[str], shown: int = 3) -> str:
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def _relative(path: Path | str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)
