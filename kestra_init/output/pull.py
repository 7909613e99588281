"""Showing a pull: the plan and its outcome as tables, the diffs, one summary line; or JSON."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm
from rich.text import Text

from kestra_init.errors import UsageError
from kestra_init.output.console import err, out
from kestra_init.output.diagnostics import shown_path
from kestra_init.output.sync import FILE_COLUMNS, FLOW_COLUMNS, print_diff
from kestra_init.output.tables import print_table
from kestra_init.services.pull.model import PullAction, PullItem, PullOutcome, PullResult
from kestra_init.services.pull.pipeline import ConfirmPull
from kestra_init.services.real_paths import RealPaths

# Beyond this many, unchanged flows are counted instead of listed, and so are the
# changes beyond the first LIST_CHANGES_UP_TO (`--json` lists every one).
LIST_UNCHANGED_UP_TO = 40
LIST_CHANGES_UP_TO = 200

_ACTION_STYLE = {
    PullAction.UNCHANGED: "dim",
    PullAction.UPDATE: "yellow",
    PullAction.CREATE: "green",
    PullAction.CONFLICT: "bold red",
    PullAction.LOCAL: "cyan",
    PullAction.REFUSED: "bold red",
}
_OUTCOME_STYLE = {
    PullOutcome.WRITTEN: "green",
    PullOutcome.FORCED: "yellow",
    PullOutcome.KEPT_BOTH: "yellow",
    PullOutcome.PLANNED: "cyan",
    PullOutcome.KEPT: "bold red",
    PullOutcome.SKIPPED: "dim",
    PullOutcome.FAILED: "bold red",
}
_ORDER = {
    PullAction.CONFLICT: 0,
    PullAction.REFUSED: 0,
    PullAction.UPDATE: 1,
    PullAction.CREATE: 1,
    PullAction.LOCAL: 2,
    PullAction.UNCHANGED: 3,
}


def confirm_pull(yes: bool, force: bool) -> ConfirmPull | None:
    """Asked before writing: None with ``--yes``. Without a terminal, plain pulls go
    ahead (nothing they overwrite is lost: it is a revision on the server), but
    ``--force``, which overwrites changes made here, needs ``--yes``."""
    if yes:
        return None

    def ask(items: Sequence[PullItem]) -> bool:
        overwrites = [i for i in items if i.action in (PullAction.CONFLICT, PullAction.LOCAL)]
        if not sys.stdin.isatty():
            if force and overwrites:
                names = ", ".join(i.label for i in overwrites)
                raise UsageError(
                    f"--force would overwrite changes made here: {names}",
                    "Overwriting needs a confirmation and there is no terminal to ask on; "
                    "nothing was written.",
                    "run again with --yes to overwrite them, or without --force",
                )
            return True
        console = err()
        console.print(f"[bold]pull will write {len(items)} file(s):[/bold]")
        for item in items:
            verb = {
                PullAction.CREATE: "new file",
                PullAction.UPDATE: "update",
                PullAction.CONFLICT: "keep both" if not force else "OVERWRITE",
                PullAction.LOCAL: "OVERWRITE",
            }[item.action]
            where = f"  ({shown_path(item.path)})" if item.path else ""
            console.print(f"  {verb:<10} {escape(item.label)}{escape(where)}")
        return Confirm.ask("Write them?", console=console, default=False)

    return ask


def render_text(result: PullResult) -> None:
    console = out()
    cwd = Path.cwd().resolve()
    _render_flows(console, result, cwd)
    if result.files:
        rows = [
            [
                Text(item.label),
                Text(item.action.value, style=_ACTION_STYLE[item.action]),
                _result_cell(item),
                Text(item.message, style=_message_style(item)),
            ]
            for item in sorted(result.files, key=lambda i: (_ORDER[i.action], i.label))
            if item.action is not PullAction.UNCHANGED or len(result.files) <= 40
        ]
        print_table(console, FILE_COLUMNS, rows, title="Namespace files")
    _render_diffs(console, result)
    console.print(_summary(result), soft_wrap=True)


def _render_flows(console: Console, result: PullResult, cwd: Path) -> None:
    items = sorted(result.flows, key=lambda i: (_ORDER[i.action], i.namespace, i.name))
    unchanged = [i for i in items if i.action is PullAction.UNCHANGED]
    shown = [i for i in items if i.action is not PullAction.UNCHANGED][:LIST_CHANGES_UP_TO]
    if len(unchanged) <= LIST_UNCHANGED_UP_TO:
        shown += unchanged
    rows = []
    real = RealPaths()
    for item in shown:
        where = shown_path(item.path, cwd, real) + (f":{item.line}" if item.line > 1 else "")
        rows.append(
            [
                Text(item.label),
                Text(item.action.value, style=_ACTION_STYLE[item.action]),
                _result_cell(item),
                Text(where),
                Text(item.message, style=_message_style(item)),
            ]
        )
    print_table(console, FLOW_COLUMNS, rows, title=f"Flows on {result.server}")
    hidden = len(items) - len(shown)
    if hidden:
        console.print(
            Text(f"… and {hidden} more flows (--json lists every one)", style="dim"),
            soft_wrap=True,
        )


def _render_diffs(console: Console, result: PullResult) -> None:
    """Each conflict's diff; with --dry-run, each update's too (file → server)."""
    for item in result.items:
        if not item.diff:
            continue
        if item.action is not PullAction.CONFLICT and not result.dry_run:
            continue
        print_diff(console, f"{item.label} ({item.action.value})", item.diff)


def _result_cell(item: PullItem) -> Text:
    if item.outcome is PullOutcome.SKIPPED:
        return Text("-", style="dim")
    return Text(item.outcome.value, style=_OUTCOME_STYLE[item.outcome])


def _message_style(item: PullItem) -> str:
    bad = item.outcome is PullOutcome.FAILED or item.action is PullAction.REFUSED
    return "red" if bad else "dim"


def _summary(result: PullResult) -> Text:
    items = result.items
    if not items:
        names = ", ".join(result.namespaces)
        return Text(f"The server has no flow or namespace file in {names}.", style="yellow")
    counts = {action: sum(1 for i in items if i.action is action) for action in PullAction}
    conflicts = len(result.conflicts)
    if result.declined:
        return Text("Nothing was written: the writes were not confirmed.", style="bold yellow")
    if result.dry_run:
        text = Text("Dry run, nothing was written: ", style="bold cyan")
        parts = [
            f"{counts[PullAction.UPDATE]} to update",
            f"{counts[PullAction.CREATE]} to create",
            f"{counts[PullAction.CONFLICT]} in conflict",
            f"{counts[PullAction.UNCHANGED]} unchanged",
        ]
    else:
        written = sum(1 for i in items if i.outcome in (PullOutcome.WRITTEN, PullOutcome.FORCED))
        beside = sum(1 for i in items if i.outcome is PullOutcome.KEPT_BOTH)
        failed = sum(1 for i in items if i.outcome is PullOutcome.FAILED)
        bad = conflicts or failed or counts[PullAction.REFUSED]
        if bad:
            text = Text("Pulled with problems: ", style="bold red")
        else:
            text = Text("Pulled: ", style="bold green")
        parts = [f"{written} written", f"{counts[PullAction.UNCHANGED]} unchanged"]
        if beside:
            parts.append(f"{beside} set beside their file to merge")
        if conflicts:
            parts.append(f"{conflicts} in conflict, not touched")
        if failed:
            parts.append(f"{failed} failed")
    if counts[PullAction.LOCAL]:
        local = counts[PullAction.LOCAL]
        parts.append(f"{local} changed here only (`kestra-init sync` sends them)")
    if counts[PullAction.REFUSED]:
        parts.append(f"{counts[PullAction.REFUSED]} refused")
    text.append(", ".join(parts) + f" ({result.requests} requests).")
    if conflicts and not result.dry_run:
        text.append(
            " A conflict changed both here and on the server: merge by hand, or pull again "
            "with --force (take the server's) or --keep-both (write it beside the file)."
        )
    return text
