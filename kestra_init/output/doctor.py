"""Rendering of `kestra-init doctor`: one line per check, its fix when it did not pass."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from kestra_init.check_result import Status
from kestra_init.commands.doctor import DoctorResult
from kestra_init.output.console import out

_DETAIL_LINES = 10  # of a failed check's tool output; `kestra-init up` shows more

_MARKS = {
    Status.PASSED: ("ok", "green"),
    Status.WARNING: ("warn", "yellow"),
    Status.FAILED: ("FAIL", "bold red"),
    Status.SKIPPED: ("skip", "dim"),
}


def render_text(result: DoctorResult) -> None:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result")
    for check in result.checks:
        mark, style = _MARKS[check.status]
        finding = Text(check.detail)
        if check.fix and check.status in (Status.FAILED, Status.WARNING):
            finding.append("\nfix: ", style="bold")
            finding.append(check.fix)
        if check.failed and check.details:
            # The tool's own words (Compose's YAML error...), which the fix refers to.
            finding.append("\n" + "\n".join(check.details[-_DETAIL_LINES:]), style="dim")
        table.add_row(Text(mark, style=style), check.title, finding)
    console = out()
    console.print(table)
    failed = [check for check in result.checks if check.failed]
    warned = [check for check in result.checks if check.status is Status.WARNING]
    if failed:
        console.print(
            f"\n[bold red]{len(failed)} check{'s' if len(failed) > 1 else ''} failed[/bold red]"
            + (f", {len(warned)} warning{'s' if len(warned) > 1 else ''}" if warned else "")
            + ": fix them as shown, then run `kestra-init doctor` again."
        )
    else:
        extra = f" ({len(warned)} warning{'s' if len(warned) > 1 else ''})" if warned else ""
        console.print(f"\n[green]Everything checked is fine{extra}.[/green]")
