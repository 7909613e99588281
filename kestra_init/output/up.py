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


def progress() -> UpProgress:
    """The live display `up` reports to (a context manager)."""
    return UpProgress()


def render_text(result: UpResult) -> None:
    console = out()
    if result.was_running:
        console.print(
            "[bold green]Kestra is up[/bold green] (it was already running: nothing restarted)"
        )
    else:
        console.print("[bold green]Kestra is up and ready[/bold green]")
    console.print(f"  UI        {result.ui_url}", soft_wrap=True)
    if result.login_email:
        console.print(f"  Login     {escape(result.login_email)}")
    console.print(f"  Password  in {escape(result.password_location)}", soft_wrap=True)
    stack = ", ".join(
        f"{s.service} {s.state}" + (f" ({s.health})" if s.health else "") for s in result.services
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


def _relative(path: Path | str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)
