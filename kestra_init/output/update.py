"""What `kestra-init update` prints: the files the merge changed, conflicts first."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from kestra_init.commands.update import UpdateResult
from kestra_init.output.console import err, out


def render_text(result: UpdateResult) -> None:
    console = out()
    versions = f"{result.old_version or '?'} -> {result.new_version or '?'}"
    for warning in result.warnings:
        err().print(f"[yellow]Warning:[/yellow] {escape(warning)}")
    if not result.changes:
        console.print(f"[bold green]Up to date[/bold green]: nothing to change ({versions}).")
        return
    console.print(f"[bold]Updated[/bold] {escape(str(result.root))} ({escape(versions)})")
    table = Table(box=None, show_header=False, pad_edge=True, padding=(0, 2))
    table.add_column("status", no_wrap=True)
    table.add_column("path", style="cyan")
    conflicts = set(result.conflicts)
    for status, path in sorted(result.changes, key=lambda c: (c[1] not in conflicts, c[1])):
        label = "[bold red]conflict[/bold red]" if path in conflicts else status
        table.add_row(label, escape(path))
    console.print(table)
    console.print("\n[bold]Next steps[/bold]")
    if conflicts:
        console.print(
            "  resolve the conflicts: keep what you want between the <<<<<<< and >>>>>>> "
            "markers (or apply the .rej files), then",
            highlight=False,
        )
    console.print("  review the changes: git diff", highlight=False)
    console.print(  # soft_wrap: a command to copy is never cut in two
        "  commit them: git add -A && git commit -m 'Update from the kestra-init template'",
        highlight=False,
        soft_wrap=True,
    )
    console.print("  .env was not touched by the update", highlight=False)
