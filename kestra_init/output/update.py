"""What `kestra-init update` prints: the files the merge changed, conflicts first."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.markup import escape
from rich.text import Text

from kestra_init.commands.update import ConfirmLostEdits, UpdateResult
from kestra_init.output.console import err, out, print_wrapped
from kestra_init.output.tables import Column, print_table
from kestra_init.templating.edits import LostEdit


def confirm_lost_edits(force: bool) -> ConfirmLostEdits | None:
    """The question before an update that deletes or overwrites files the user edited.

    None with --force (yes). Without a terminal the answer is no: the update is
    undone and the result names the files (exit 1), never a guess.
    """
    if force:
        return None

    def ask(lost: Sequence[LostEdit]) -> bool:
        if not sys.stdin.isatty():
            return False
        console = err()
        console.print("[bold]This update would remove edits of yours:[/bold]")
        for edit in lost:
            console.print(f"  {escape(edit.path)}  {edit.how}", highlight=False)
        console.print(
            "Your versions stay in the last commit either way (git show HEAD:PATH).",
            highlight=False,
        )
        return typer.confirm("Apply the update anyway?", default=False, err=True)

    return ask


def render_text(result: UpdateResult) -> None:
    console = out()
    versions = f"{result.old_version or '?'} -> {result.new_version or '?'}"
    for warning in result.warnings:
        print_wrapped(err(), Text.assemble(("Warning:", "yellow"), " ", warning))
    if not result.applied:
        _render_held_back(result)
        return
    if not result.changes:
        console.print(f"[bold green]Up to date[/bold green]: nothing to change ({versions}).")
        return
    console.print(f"[bold]Updated[/bold] {escape(str(result.root))} ({escape(versions)})")
    conflicts = set(result.conflicts)
    rows = [
        [
            Text("conflict", style="bold red") if path in conflicts else Text(status),
            Text(path, style="cyan"),
        ]
        for status, path in sorted(result.changes, key=lambda c: (c[1] not in conflicts, c[1]))
    ]
    print_table(console, (Column("change"), Column("file")), rows)
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


def _render_held_back(result: UpdateResult) -> None:
    console = out()
    console.print(
        "[bold yellow]Not updated[/bold yellow]: the update would remove edits of yours, "
        "so nothing was changed.",
    )
    rows = [
        [Text(f"would be {edit.how}"), Text(edit.path, style="cyan")] for edit in result.lost_edits
    ]
    print_table(console, (Column("your edit"), Column("file")), rows)
    console.print("\n[bold]Next steps[/bold]")
    console.print(
        "  keep your files: copy them elsewhere (or keep the answer that makes them), or",
        highlight=False,
    )
    console.print(  # soft_wrap: a command to copy is never cut in two
        "  apply it anyway: kestra-init update --force (your versions stay in git history)",
        highlight=False,
        soft_wrap=True,
    )
