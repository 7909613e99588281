"""Rendering of `kestra-init up`: live progress on stderr, then a summary on stdout.

The summary is what a person needs next: the URL to open, the login and where
the password is (never the password), the state of the stack, and the flows
that were loaded, as a table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kestra_init.commands.up import UpResult
from kestra_init.exit_codes import ExitCode
from kestra_init.output.console import out, print_json
from kestra_init.output.up_progress import UpProgress


def progress() -> UpProgress:
    """The live display `up` reports to (a context manager)."""
    return UpProgress()


def render(result: UpResult, *, as_json: bool = False) -> ExitCode:
    if as_json:
        print_json(as_dict(result))
        return result.exit_code
    from rich.markup import escape

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
        from kestra_init.output import sync as sync_output

        console.print()
        sync_output.render(result.sync)
    elif not result.not_loaded:
        console.print("\nFlows not loaded (--no-sync): `kestra-init sync` loads them.")
    for path in result.not_loaded:
        console.print(
            f"[red]Not loaded[/red] {escape(_relative(path, result.project_root))}: it has "
            "errors (listed above); fix them, then run `kestra-init sync`.",
            soft_wrap=True,
        )

    if result.smoke is not None:
        run = result.smoke
        state = run.execution.state
        style = "green" if state == "SUCCESS" else "red"
        console.print(
            f"\nSmoke test: {run.namespace}.{run.flow_id} ended [{style}]{state}[/{style}]"
            f"  {run.link}",
            soft_wrap=True,
        )
    if result.exit_code is ExitCode.OK:
        console.print(
            "\nNext: `kestra-init open` · `kestra-init status` · `kestra-init logs kestra`"
        )
    return result.exit_code


def as_dict(result: UpResult) -> dict[str, Any]:
    return {
        "ok": result.exit_code is ExitCode.OK,
        "exit_code": int(result.exit_code),
        "project": result.project_name,
        "project_root": str(result.project_root),
        "ui_url": result.ui_url,
        "login": result.login_email,
        "password_location": result.password_location,
        "env_created": result.env_created,
        "was_running": result.was_running,
        "services": [
            {
                "service": s.service,
                "state": s.state,
                "health": s.health or None,
                "container": s.name,
            }
            for s in result.services
        ],
        "stages": [
            {"stage": s.key, "title": s.title, "seconds": round(s.seconds, 2), "detail": s.detail}
            for s in result.stages
        ],
        "warnings": [w.as_dict() for w in result.warnings],
        "diagnostics": [d.as_dict() for d in result.diagnostics],
        "not_loaded": [str(p) for p in result.not_loaded],
        "sync": result.sync.as_dict() if result.sync is not None else None,
        "smoke": None if result.smoke is None else result.smoke.as_dict(),
    }


def _relative(path: Path | str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)
