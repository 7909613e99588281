"""Showing `sync --watch`: one line per change as it happens, one summary line at the end.

The lines are the watch's results, on standard output (on standard error with
``--json``, which keeps standard output for the one envelope printed at the
end). Each starts with the time, for a terminal left open all day.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm
from rich.text import Text

from kestra_init.errors import KestraInitError, UsageError
from kestra_init.output.console import err, out
from kestra_init.output.diagnostics import diagnostic_line, shown_path
from kestra_init.services.local_flows import Key
from kestra_init.services.sync.plan import Action, PlanEntry
from kestra_init.services.sync.results import FileResult, FlowResult, Outcome, SyncResult
from kestra_init.services.watch import ConfirmPrune, WatchResult

_VERB = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}


class WatchView:
    """The watch's listener: prints what each sync did, one line per change."""

    def __init__(self, *, as_json: bool = False) -> None:
        self.console: Console = err() if as_json else out()

    # The listener -------------------------------------------------------------------
    def synced(self, result: SyncResult, *, first: bool) -> None:
        cwd = Path.cwd().resolve()
        for diagnostic in result.diagnostics:
            self._line(diagnostic_line(diagnostic, cwd))
        shown = {d.path.resolve() for d in result.diagnostics}
        for problem in result.problems:
            if problem.path.resolve() in shown:
                continue  # its diagnostics above say it, with the column
            where = shown_path(problem.path, cwd) + (f":{problem.line}" if problem.line else "")
            self._line(Text(f"✗ {where} {problem.message}", style="red"))
        for flow in result.flows:
            self._flow(flow, first=first)
        for file in result.files:
            self._file(file, first=first)
        if result.prune_disabled:
            self._line(Text(result.prune_disabled, style="bold red"))
        if first:
            self._line(Text(_first_summary(result), style="bold"))

    def watching(self, folders: Sequence[Path], *, prune: bool) -> None:
        shown = ", ".join(shown_path(folder) + "/" for folder in folders)
        also = "; with --prune, a flow whose file you delete is deleted there" if prune else ""
        self._line(Text(f"Watching {shown} (Ctrl-C to stop){also}.", style="bold"))

    def waiting(self, error: KestraInitError, retry_in: float) -> None:
        self._line(
            Text(
                f"✗ {error.what}: trying again in {retry_in:.0f} s (your saves are kept and "
                "sent then)",
                style="red",
            )
        )

    def recovered(self) -> None:
        self._line(Text("✓ the server answers again", style="green"))

    def gone(self, flows: Sequence[Key], files: Sequence[Path], *, kept: bool) -> None:
        names = ", ".join(f"{namespace}/{flow_id}" for namespace, flow_id in flows)
        for path in files:
            self._line(Text(f"· {shown_path(path)} deleted here", style="dim"))
        if names and kept:
            self._line(
                Text(f"· {names} kept on the server (--prune deletes such flows)", style="dim")
            )

    def prune_held(self, flows: Sequence[Key], why: str) -> None:
        names = ", ".join(f"{namespace}/{flow_id}" for namespace, flow_id in flows)
        self._line(Text(f"✗ {names} not deleted on the server: {why}", style="red"))

    def prune_declined(self) -> None:
        self._line(Text("Watching without --prune: nothing is deleted on the server."))

    # Lines --------------------------------------------------------------------------
    def _flow(self, flow: FlowResult, *, first: bool) -> None:
        name = f"{flow.namespace}/{flow.id}"
        if flow.outcome is Outcome.APPLIED:
            text = f"✓ {name} {_VERB.get(flow.action, flow.action.value)}"
            if flow.revision is not None and flow.action is not Action.DELETE:
                text += f", revision {flow.revision}"
            if flow.action is Action.DELETE:
                text += " on the server"
            self._line(Text(text, style="green"))
        elif flow.outcome in (Outcome.FAILED, Outcome.HELD_BACK) or (
            # Not sent: the sync stopped at an error (the server went away).
            flow.outcome is Outcome.SKIPPED and flow.message and flow.action in _VERB
        ):
            self._line(Text(f"✗ {name}: {flow.message}", style="red"))
        elif flow.action is Action.UNCHANGED and not first:
            self._line(Text(f"· {name} unchanged", style="dim"))

    def _file(self, file: FileResult, *, first: bool) -> None:
        name = f"{file.namespace}:/{file.path}"
        if file.outcome is Outcome.APPLIED:
            self._line(Text(f"✓ {name} uploaded", style="green"))
        elif file.outcome is Outcome.FAILED:
            self._line(Text(f"✗ {name}: {file.message}", style="red"))
        elif file.action is Action.UNCHANGED and not first:
            self._line(Text(f"· {name} unchanged", style="dim"))

    def _line(self, text: Text) -> None:
        line = Text(time.strftime("%H:%M:%S "), style="dim")
        line.append_text(text)
        self.console.print(line, soft_wrap=True)


def _first_summary(result: SyncResult) -> str:
    counts = result.counts()
    written = sum(1 for item in result.items if item.outcome is Outcome.APPLIED)
    return (
        f"First sync: {written} written, {counts[Action.UNCHANGED.value]} unchanged"
        + (f", {len(result.failed)} failed" if result.failed else "")
        + (f", {len(result.held_back)} held back" if result.held_back else "")
        + "."
    )


def confirm_prune(yes: bool) -> ConfirmPrune | None:
    """``--prune`` with ``--watch`` is confirmed once, at the start: None with ``--yes``.

    Without a terminal to ask on, and without ``--yes``, the watch does not start.
    """
    if yes:
        return None
    if not sys.stdin.isatty():
        raise UsageError(
            "sync --watch --prune needs a confirmation, and there is no terminal to ask on",
            "While watching, a flow whose file is deleted is deleted on the server too; "
            "nothing was sent.",
            "run it again with --yes, or without --prune to keep every server flow",
        )

    def ask(entries: Sequence[PlanEntry]) -> bool:
        console = err()
        if entries:
            console.print(f"[bold]--prune deletes {len(entries)} flow(s) from the server now:[/]")
            for entry in entries:
                console.print(f"  [red]- {escape(entry.namespace)}.{escape(entry.id)}[/red]")
        console.print(
            "While watching, a flow whose file you delete (or take out of its file) is "
            "deleted on the server too."
        )
        return Confirm.ask("Go on with --prune?", console=console, default=False)

    return ask


def render_text(result: WatchResult) -> None:
    """The one-line summary a watch ends with."""
    text = Text("Stopped watching: ", style="bold")
    text.append(f"{result.written} change{'s' if result.written != 1 else ''} written")
    text.append(f", {result.failed} failed")
    if result.not_sent:
        text.append(
            f", {len(result.not_sent)} not sent (the server did not answer): "
            + ", ".join(result.not_sent[:3])
            + (" …" if len(result.not_sent) > 3 else ""),
            style="red",
        )
    text.append(".")
    out().print(text, soft_wrap=True)
