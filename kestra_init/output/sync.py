"""Showing a sync: progress on stderr, the plan and its outcome as a table, or JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.prompt import Confirm
from rich.table import Table
from rich.text import Text

from kestra_init.errors import UsageError
from kestra_init.output.console import err, out
from kestra_init.services.sync.plan import PlanEntry
from kestra_init.services.sync.results import (
    ConfirmDeletes,
    FileResult,
    FlowResult,
    SyncProgress,
    SyncResult,
)

if TYPE_CHECKING:
    from rich.status import Status


# Beyond this many flows, unchanged ones are counted instead of listed.
LIST_UNCHANGED_UP_TO = 40

_ACTION_STYLE = {"create": "green", "update": "yellow", "delete": "red", "unchanged": "dim"}
_OUTCOME_STYLE = {"applied": "green", "failed": "bold red", "skipped": "dim", "planned": "cyan"}


def _shown(path: Path | None, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current folder) when inside it."""
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(cwd or Path.cwd().resolve()))
    except ValueError:
        return str(path)


class ProgressView:
    """The ``progress`` callback of ``sync_flows``: a spinner on a terminal, lines otherwise."""

    def __init__(self) -> None:
        self.console = err()
        self._status: Status | None = None
        self._text = "Reading the server's flows…"

    def __call__(self, event: SyncProgress) -> None:
        verb = "Reading from" if event.stage == "read" else "Writing to"
        self._text = f"{verb} the server: {event.done}/{event.total} namespaces done…"
        if self._status is not None:
            self._status.update(self._text)
        elif event.stage == "write":
            self.console.print(f"✓ namespace {event.namespace} written", style="dim")

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
            return Confirm.ask("Delete them?", console=console, default=False)

    return ask


def _table(title: str, columns: tuple[str, ...], with_message: bool) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for column in columns:
        if column in ("Action", "Result"):
            table.add_column(column, no_wrap=True, min_width=9 if column == "Action" else 7)
        else:
            table.add_column(column, overflow="fold")
    if with_message:
        table.add_column("Message", overflow="fold", ratio=1)
    return table


def render_text(result: SyncResult) -> None:
    console = out()
    cwd = Path.cwd().resolve()  # once, not once per row
    flows = result.flows
    list_unchanged = len(flows) <= LIST_UNCHANGED_UP_TO
    rows = [r for r in flows if list_unchanged or r.action.value != "unchanged"]
    if rows:
        messages = any(r.message for r in rows)
        table = _table(
            f"Flows on {result.server}", ("Namespace", "Flow", "Action", "Result", "File"), messages
        )
        for row in sorted(rows, key=lambda r: (r.namespace, r.id)):
            where = _shown(row.path, cwd) + (f":{row.line}" if row.path and row.line > 1 else "")
            cells = [
                Text(row.namespace),
                Text(row.id),
                Text(row.action.value, style=_ACTION_STYLE[row.action.value]),
                _result_cell(row),
                Text(where),
            ]
            if messages:
                cells.append(
                    Text(row.message, style="red" if row.outcome.value == "failed" else "dim")
                )
            table.add_row(*cells)
        console.print(table)
    hidden = len(flows) - len(rows)
    if hidden:
        console.print(
            Text(f"… and {hidden} unchanged flows (--json lists every flow)", style="dim")
        )
    if result.files:
        messages = any(r.message for r in result.files)
        table = _table("Namespace files", ("Namespace", "Path", "Action", "Result"), messages)
        for file_row in sorted(result.files, key=lambda r: (r.namespace, r.path)):
            cells = [
                Text(file_row.namespace),
                Text("/" + file_row.path),
                Text(file_row.action.value, style=_ACTION_STYLE[file_row.action.value]),
                _result_cell(file_row),
            ]
            if messages:
                style = "red" if file_row.outcome.value == "failed" else "dim"
                cells.append(Text(file_row.message, style=style))
            table.add_row(*cells)
        console.print(table)
    for skipped in result.skipped:  # as `validate` reports them: an info line each
        where = _shown(skipped.path, cwd) + (f":{skipped.line}" if skipped.line else "")
        console.print(Text(f"{where} {skipped.message}", style="dim"))
    if result.problems:
        console.print(Text("Not synced (fix these files):", style="bold red"))
        for problem in result.problems:
            where = _shown(problem.path, cwd) + (f":{problem.line}" if problem.line else "")
            console.print(Text(f"  {where} {problem.message}"))
    console.print(_summary(result))


def _result_cell(row: FlowResult | FileResult) -> Text:
    if row.action.value == "unchanged":
        return Text("-", style="dim")  # nothing to send
    return Text(row.outcome.value, style=_OUTCOME_STYLE[row.outcome.value])


def _summary(result: SyncResult) -> Text:
    items = result.items
    if not items and not result.problems:
        return Text("No flow files found: nothing to sync.", style="yellow")
    unchanged = sum(1 for r in items if r.action.value == "unchanged")
    if result.declined:
        text = Text("Nothing was written: ", style="bold yellow")
        text.append(
            "the deletions were not confirmed. Run `kestra-init sync` without --prune to "
            "create and update flows without deleting any."
        )
        return text
    if result.dry_run:
        planned = {
            a: sum(1 for r in items if r.action.value == a) for a in ("create", "update", "delete")
        }
        text = Text("Dry run, nothing was written: ", style="bold cyan")
        text.append(
            f"{planned['create']} to create, {planned['update']} to update, "
            f"{planned['delete']} to delete, {unchanged} unchanged."
        )
        return text
    done = {
        a: sum(1 for r in items if r.action.value == a and r.outcome.value == "applied")
        for a in ("create", "update", "delete")
    }
    failed = sum(1 for r in items if r.outcome.value == "failed")
    skipped = sum(
        1 for r in items if r.action.value != "unchanged" and r.outcome.value == "skipped"
    )
    if not any(done.values()) and not failed and not skipped and not result.problems:
        these = "this one" if len(items) == 1 else f"these {len(items)}"
        return Text(f"Everything is unchanged: the server already has {these}.", style="green")
    parts = [f"{done['create']} created", f"{done['update']} updated"]
    if done["delete"]:
        parts.append(f"{done['delete']} deleted")
    parts.append(f"{unchanged} unchanged")
    if skipped:
        parts.append(f"{skipped} not sent")
    if failed:
        parts.append(f"{failed} failed")
    text = Text()
    if failed or result.problems or result.error is not None:
        text.append("Sync finished with problems: ", style="bold red")
    else:
        text.append("Synced: ", style="bold green")
    text.append(", ".join(parts) + f" ({result.requests} requests).")
    return text
