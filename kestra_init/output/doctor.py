"""Rendering of `kestra-init doctor`: one line per check, its fix when it did not pass."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.text import Text

from kestra_init.check_result import Status
from kestra_init.commands.doctor import DoctorResult
from kestra_init.errors import EnvironmentProblem
from kestra_init.output.console import out
from kestra_init.output.tables import Column, print_table
from kestra_init.redaction import redact

_DETAIL_LINES = 10  # of a failed check's tool output; `kestra-init up` shows more

_MARKS = {
    Status.PASSED: ("ok", "green"),
    Status.WARNING: ("warn", "yellow"),
    Status.FAILED: ("FAIL", "bold red"),
    Status.SKIPPED: ("skip", "dim"),
}


_COLUMNS = (Column(""), Column("check"), Column("result", wraps=True))


def render_text(result: DoctorResult) -> None:
    rows = []
    for check in result.checks:
        mark, style = _MARKS[check.status]
        finding = Text(check.detail)
        if check.fix and check.status in (Status.FAILED, Status.WARNING):
            finding.append("\nfix: ", style="bold")
            finding.append(check.fix)
        if check.failed and check.details:
            # The tool's own words (Compose's YAML error...), which the fix refers to.
            finding.append("\n" + "\n".join(check.details[-_DETAIL_LINES:]), style="dim")
        rows.append([Text(mark, style=style), Text(check.title), finding])
    console = out()
    print_table(console, _COLUMNS, rows)
    failed = [check for check in result.checks if check.failed]
    warned = [check for check in result.checks if check.status is Status.WARNING]
    if failed:
        console.print(
            f"\n[bold red]{len(failed)} check{'s' if len(failed) > 1 else ''} failed[/bold red]"
            + (f", {len(warned)} warning{'s' if len(warned) > 1 else ''}" if warned else "")
            + ": fix them as shown, then run `kestra-init doctor` again."
        )
    else:
        notes = [f"{len(warned)} warning{'s' if len(warned) > 1 else ''}"] if warned else []
        skipped = [check for check in result.checks if check.status is Status.SKIPPED]
        if skipped:
            notes.append(f"{len(skipped)} not checked, as listed")
        extra = f" ({'; '.join(notes)})" if notes else ""
        console.print(f"\n[green]Everything checked is fine{extra}.[/green]")


def report_markdown(result: DoctorResult) -> str:
    """The Markdown summary of `doctor --report`, with every known secret masked.

    Written to be pasted into a chat or an issue: versions and machine first, then
    each check with its fix, then the last log lines of what failed.
    """
    facts = result.facts
    lines = ["# kestra-init doctor report", ""]
    if facts is not None:
        where = (
            "a codespace" if facts.codespace else "a dev container" if facts.dev_container else ""
        )
        machine = f" ({facts.machine_type})" if facts.machine_type else ""
        lines += [
            f"- kestra-init {facts.kestra_init_version}, Python {facts.python}, {facts.platform}",
            f"- Machine: {facts.cpus} CPUs"
            + (f", in {where}{machine}" if where else ", not in a codespace or dev container"),
            "- Docker: "
            + (
                f"Engine {facts.docker_version}, {facts.docker_memory_gb} GB for containers"
                if facts.docker_version
                else "no engine answered"
            )
            + (f", Compose {facts.compose_version}" if facts.compose_version else ""),
        ]
        if result.project_root is not None:
            running = facts.kestra_version or "not running"
            lines.append(
                f"- Kestra: {running} (the project pins {facts.pinned or 'no 1.x tag'}; "
                f"database {facts.database})"
            )
    failed = sum(1 for check in result.checks if check.failed)
    warned = sum(1 for check in result.checks if check.status is Status.WARNING)
    lines += [f"- Result: {failed} failed, {warned} warning(s), exit code {int(result.exit_code)}"]
    lines += ["", "## Checks", "", "| | check | result |", "|---|---|---|"]
    for check in result.checks:
        mark, _ = _MARKS[check.status]
        finding = check.detail
        if check.fix and check.status in (Status.FAILED, Status.WARNING):
            finding += f"<br>**fix:** {check.fix}"
        lines.append(f"| {mark} | {_cell(check.title)} | {_cell(finding)} |")
    for check in result.checks:
        if check.failed and check.details:
            lines += ["", f"### {check.title}: what the tool said", "", "```text"]
            lines += check.details[-_DETAIL_LINES:]
            lines.append("```")
    for service, tail in facts.log_tails.items() if facts else []:
        lines += ["", f"## Last {len(tail)} log lines of {service}", "", "```text", *tail, "```"]
    text = "\n".join(lines) + "\n"
    return redact(text, facts.secrets if facts else [])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def write_report(result: DoctorResult, path: Path) -> None:
    """Write the report to ``path`` (before anything is printed, so a failure is an error)."""
    try:
        path.write_text(report_markdown(result), encoding="utf-8")
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot write the report to {path}",
            f"{error.strerror or error}.",
            "Choose a file in a folder you can write to, or leave out --output to print it",
        ) from None


def report_renderer(path: Path | None) -> Callable[[DoctorResult], None]:
    """Print the report, or say where `write_report` put it."""

    def render(result: DoctorResult) -> None:
        if path is None:
            sys.stdout.write(report_markdown(result))
        else:
            out().print(
                f"Report written to {path} (secrets masked): paste it where you ask for help.",
                soft_wrap=True,
            )

    return render
