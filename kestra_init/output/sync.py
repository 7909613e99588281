"""Showing a sync: progress on stderr, the plan and its outcome as a table, or JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kestra_init.errors import UsageError
from kestra_init.output.console import err, out, print_wrapped
from kestra_init.output.diagnostics import diagnostic_line, shown_path
from kestra_init.output.tables import Column, print_table
from kestra_init.services.real_paths import RealPaths
from kestra_init.services.sync.plan import Action, PlanEntry
from kestra_init.services.sync.results import (
    ConfirmDeletes,
    FileResult,
    FlowResult,
    Outcome,
    SyncProgress,
    SyncResult,
    SyncStage,
)

if TYPE_CHECKING:
    from rich.status import Status


# Beyond this many flows, unchanged ones are counted instead of listed; beyond this
# many changes, the rest are counted too (`--json` lists every one).
LIST_UNCHANGED_UP_TO = 40
LIST_CHANGES_UP_TO = 200

_ACTION_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.DELETE: "bold red",
    Action.UNCHANGED: "dim",
    Action.SERVER_ONLY: "magenta",
}
_OUTCOME_STYLE = {
    Outcome.APPLIED: "green",
    Outcome.FAILED: "bold red",
    Outcome.SKIPPED: "dim",
    Outcome.PLANNED: "cyan",
    Outcome.HELD_BACK: "bold red",
}
# The order rows are listed in: what deletes first, then what changes, then the rest.
_ORDER = {
    Action.DELETE: 0,
    Action.CREATE: 1,
    Action.UPDATE: 1,
    Action.SERVER_ONLY: 2,
    Action.UNCHANGED: 3,
}
# The columns of a plan of flows and of namespace files: sync's and pull's tables.
FLOW_COLUMNS = (
    Column("Flow"),
    Column("Action"),
    Column("Result"),
    Column("File", label="file"),
    Column("Message", wraps=True),
)
FILE_COLUMNS = (
    Column("Namespace file"),
    Column("Action"),
    Column("Result"),
    Column("Message", wraps=True),
)


class ProgressView:
    """The ``progress`` callback of ``sync_flows``: a spinner on a terminal, lines otherwise."""

    def __init__(self) -> None:
        self.console = err()
        self._status: Status | None = None
        self._text = "Reading the server's flows…"

    def __call__(self, event: SyncProgress) -> None:
        verb = "Reading from" if event.stage is SyncStage.READ else "Writing to"
        self._text = f"{verb} the server: {event.done}/{event.total} namespaces done…"
        if self._status is not None:
            self._status.update(self._text)
        elif event.stage is SyncStage.WRITE:
            if event.ok:
                self.console.print(f"✓ namespace {event.namespace} written", style="dim")
            else:
                self.console.print(
                    f"✗ namespace {event.namespace}: not everything was written (see below)",
                    style="red",
                )

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the spinner while asking a question."""
        if self._status is None:
            yield
            return
        self._status.stop()
        try:
            yield
        finally:
            self._status.start()


@contextmanager
def progress() -> Iterator[ProgressView]:
    view = ProgressView()
    if not view.console.is_terminal:
        yield view
        return
    with view.console.status(view._text) as status:
        view._status = status
        try:
            yield view
        finally:
            view._status = None


def confirm_deletes(yes: bool, view: ProgressView | None = None) -> ConfirmDeletes | None:
    """The ``confirm`` callback for ``--prune``: None with ``--yes``, else ask on a terminal."""
    if yes:
        return None

    def ask(entries: Sequence[PlanEntry]) -> bool:
        names = ", ".join(f"{e.namespace}.{e.id}" for e in entries)
        if not sys.stdin.isatty():
            raise UsageError(
                f"--prune would delete {len(entries)} flow(s) from the server: {names}",
                "Deleting needs a confirmation and there is no terminal to ask on; nothing was "
                "written.",
                "run again with --yes to delete them, or without --prune to keep them",
            )
        console = err()
        with view.paused() if view is not None else nullcontext():
            console.print(
                f"[bold]--prune will delete {len(entries)} flow(s) from the server:[/bold]"
            )
            for entry in entries:
                console.print(f"  [red]- {escape(entry.namespace)}.{escape(entry.id)}[/red]")
            from rich.prompt import Confirm  # a prompt is rare: not loaded for every sync

            return Confirm.ask("Delete them?", console=console, default=False)

    return ask


def render_text(result: SyncResult) -> None:
    console = out()
    cwd = Path.cwd().resolve()  # once, not once per row
    for diagnostic in result.diagnostics:
        console.print(diagnostic_line(diagnostic, cwd), soft_wrap=True)
    if result.diagnostics:
        console.print()
    _render_flows(console, result, cwd)
    if result.files:
        rows = [
            [
                Text(f"{row.namespace}:/{row.path}"),
                Text(row.action.value, style=_ACTION_STYLE[row.action]),
                _result_cell(row),
                Text(row.message, style="red" if row.outcome is Outcome.FAILED else "dim"),
            ]
            for row in sorted(result.files, key=lambda r: (r.namespace, r.path))
        ]
        print_table(console, FILE_COLUMNS, rows, title="Namespace files")
    for skipped in result.skipped:  # as `validate` reports them: an info line each
        where = shown_path(skipped.path, cwd) + (f":{skipped.line}" if skipped.line else "")
        console.print(Text(f"{where} {skipped.message}", style="dim"), soft_wrap=True)
    if result.problems:
        console.print(Text("Not synced (fix these files):", style="bold red"))
        for problem in result.problems:
            where = shown_path(problem.path, cwd) + (f":{problem.line}" if problem.line else "")
            print_wrapped(console, Text(f"{where} {problem.message}"), indent=2)
    if result.dry_run:
        _render_diffs(console, result)
    if result.prune_disabled:
        print_wrapped(console, Text(result.prune_disabled + ".", style="bold red"))
    print_wrapped(console, _summary(result))


def _render_flows(console: Console, result: SyncResult, cwd: Path) -> None:
    flows = sorted(result.flows, key=lambda r: (_ORDER[r.action], r.namespace, r.id))
    deletes = [r for r in flows if r.action is Action.DELETE]
    if deletes:
        verb = "to delete" if result.dry_run or result.declined else "deleted on the server"
        count = f"{len(deletes)} flow{'s' if len(deletes) != 1 else ''}"
        console.print(Text(f"{count} {verb}:", style="bold red"))
    unchanged = [r for r in flows if r.action is Action.UNCHANGED]
    shown = [r for r in flows if r.action is not Action.UNCHANGED][:LIST_CHANGES_UP_TO]
    if len(unchanged) <= LIST_UNCHANGED_UP_TO:
        shown += unchanged
    rows = []
    real = RealPaths()
    for row in shown:
        where = shown_path(row.path, cwd, real) + (
            f":{row.line}" if row.path and row.line > 1 else ""
        )
        rows.append(
            [
                Text(f"{row.namespace}/{row.id}"),
                Text(row.action.value, style=_ACTION_STYLE[row.action]),
                _result_cell(row),
                Text(where),
                Text(row.message, style="red" if row.outcome is Outcome.FAILED else "dim"),
            ]
        )
    print_table(console, FLOW_COLUMNS, rows, title=f"Flows on {result.server}")
    hidden = len(flows) - len(shown)
    if hidden:
        console.print(
            Text(f"… and {hidden} more flows (--json lists every flow)", style="dim"),
            soft_wrap=True,
        )


def _render_diffs(console: Console, result: SyncResult) -> None:
    """What each planned update changes: the server's source against the file."""
    for row in result.flows:
        if not row.diff:
            continue
        print_diff(console, f"{row.namespace}/{row.id}", row.diff)


def print_diff(console: Console, title: str, diff: str) -> None:
    """A unified diff under its title, coloured in a terminal (sync's and pull's)."""
    lines = [Text(f"\n{title}:", style="bold")]
    for line in diff.splitlines():
        style = ""
        if line.startswith("+") and not line.startswith("+++"):
            style = "green"
        elif line.startswith("-") and not line.startswith("---"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        lines.append(Text(line, style=style))
    console.print(Text("\n").join(lines), soft_wrap=True)


def _result_cell(row: FlowResult | FileResult) -> Text:
    if row.action is Action.UNCHANGED or (
        row.action is Action.SERVER_ONLY and row.outcome is Outcome.SKIPPED
    ):
        return Text("-", style="dim")  # nothing to send
    return Text(row.outcome.value, style=_OUTCOME_STYLE[row.outcome])


def _summary(result: SyncResult) -> Text:
    items = result.items
    if not items and not result.problems:
        return Text("No flow files found: nothing to sync.", style="yellow")
    counts = {action: sum(1 for r in items if r.action is action) for action in Action}
    held = len(result.held_back)
    kept = counts[Action.SERVER_ONLY]
    if result.declined:
        text = Text("Nothing was written: ", style="bold yellow")
        text.append(
            "the deletions were not confirmed. Run `kestra-init sync` without --prune to "
            "create and update flows without deleting any."
        )
        return text
    if result.dry_run:
        text = Text("Dry run, nothing was written: ", style="bold cyan")
        parts = [
            f"{counts[Action.CREATE]} to create",
            f"{counts[Action.UPDATE]} to update",
            f"{counts[Action.DELETE]} to delete",
            f"{counts[Action.UNCHANGED]} unchanged",
        ]
        if kept:
            parts.append(f"{kept} only on the server")
        if held:
            parts.append(f"{held} held back for errors")
        text.append(", ".join(parts) + ".")
        return text
    done = {
        action: sum(1 for r in items if r.action is action and r.outcome is Outcome.APPLIED)
        for action in (Action.CREATE, Action.UPDATE, Action.DELETE)
    }
    failed = len(result.failed)
    not_sent = sum(
        1
        for r in items
        if r.action in (Action.CREATE, Action.UPDATE, Action.DELETE)
        and r.outcome is Outcome.SKIPPED
    )
    problems = bool(result.problems or result.prune_disabled)
    if not any(done.values()) and not (failed or not_sent or held or problems):
        these = "this one" if len(items) - kept == 1 else f"these {len(items) - kept}"
        text = Text(f"Everything is unchanged: the server already has {these}.", style="green")
        if kept:
            text.append(f" {kept} flow{'s' if kept != 1 else ''} only on the server, kept.")
        return text
    parts = [f"{done[Action.CREATE]} created", f"{done[Action.UPDATE]} updated"]
    if done[Action.DELETE]:
        parts.append(f"{done[Action.DELETE]} deleted")
    parts.append(f"{counts[Action.UNCHANGED]} unchanged")
    if kept:
        parts.append(f"{kept} only on the server (kept)")
    if held:
        parts.append(f"{held} held back for errors")
    if not_sent:
        parts.append(f"{not_sent} not sent")
    if failed:
        parts.append(f"{failed} failed")
    text = Text()
    if failed or held or problems or not_sent or result.error is not None:
        text.append("Sync finished with problems: ", style="bold red")
    else:
        text.append("Synced: ", style="bold green")
    text.append(", ".join(parts) + f" ({result.requests} requests).")
    return text
