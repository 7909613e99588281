"""Rendering of `kestra-init down`, and its question before deleting volumes."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from kestra_init.commands.down import DownResult
from kestra_init.errors import UsageError
from kestra_init.output.console import err, out


def confirm_volumes(volumes: Sequence[str]) -> bool:
    """Ask before deleting data; refuse to guess when nobody can answer."""
    if not sys.stdin.isatty():
        raise UsageError(
            "Deleting volumes needs a confirmation",
            f"--volumes deletes {', '.join(volumes)} (Kestra's database and storage: flows, "
            "executions, files), and there is no terminal to ask.",
            "Add --yes to confirm, or leave --volumes out to keep the data",
        )

    err().print(
        "[bold]These volumes and everything in them will be deleted:[/bold] "
        + ", ".join(volumes)
        + "\n(Kestra's database and storage: flows, executions, files. "
        "Your flow files in flows/ stay.)"
    )
    return typer.confirm("Delete them?", default=False, err=True)


def progress_line(text: str) -> None:
    err().print(f"[dim]{text}[/dim]", highlight=False)


def render_text(result: DownResult) -> None:
    console = out()
    if result.declined:
        console.print(
            f"Nothing was stopped or deleted: the stack '{result.project_name}' and its data "
            f"({', '.join(result.volumes_kept)}) are as they were. "
            "`kestra-init down` stops it and keeps the data."
        )
        return
    if result.stopped:
        console.print(
            f"Stopped and removed {len(result.stopped)} container"
            f"{'s' if len(result.stopped) > 1 else ''} of '{result.project_name}'."
        )
    else:
        console.print(f"Nothing was running for '{result.project_name}'.")
    if result.volumes_deleted:
        console.print(f"Deleted the volumes: {', '.join(result.volumes_deleted)}.")
    elif result.volumes_kept:
        console.print(
            f"Kept the data ({', '.join(result.volumes_kept)}); "
            "`kestra-init down --volumes` deletes it."
        )
