"""Showing a run: the live view on stderr while it runs, the result on stdout.

On a terminal the task states are redrawn in place (rich Live) and log lines
print above them as they arrive. Elsewhere (CI logs, pipes) each task state
change and each log line is one line. The result, which scripts may read,
goes to stdout: the execution id alone with ``--no-wait``, JSON with ``--json``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.models import Execution, ExecutionState, LogEntry
from kestra_init.output.console import err, out
from kestra_init.output.tables import Column, print_table
from kestra_init.services.follow import RunResult, RunUpdate

if TYPE_CHECKING:
    from rich.live import Live

STATE_STYLE = {
    ExecutionState.SUCCESS: "green",
    ExecutionState.WARNING: "yellow",
    ExecutionState.FAILED: "bold red",
    ExecutionState.KILLED: "red",
    ExecutionState.KILLING: "red",
    ExecutionState.CANCELLED: "magenta",
    ExecutionState.RUNNING: "cyan",
    ExecutionState.CREATED: "dim",
    ExecutionState.QUEUED: "dim",
    ExecutionState.PAUSED: "yellow",
}
LEVEL_STYLE = {"ERROR": "red", "WARN": "yellow", "DEBUG": "dim", "TRACE": "dim"}


def _state(state: ExecutionState) -> Text:
    return Text(state.value, style=STATE_STYLE.get(state, ""))


def _log_line(entry: LogEntry) -> Text:
    clock = entry.timestamp[11:19] if len(entry.timestamp) >= 19 else entry.timestamp
    line = Text(f"{clock} ", style="dim")
    line.append(f"{entry.level:<5} ", style=LEVEL_STYLE.get(entry.level, "blue"))
    if entry.task_id:
        line.append(f"{entry.task_id}: ", style="bold")
    line.append(entry.message)
    return line


class RunView:
    """The ``on_update`` callback of ``run``; use it as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or err()
        self._live: Live | None = None
        self._execution: Execution | None = None
        self._link = ""
        self._started = time.monotonic()
        self._states: dict[str, ExecutionState] = {}
        self._announced = False

    def __enter__(self) -> RunView:
        if self.console.is_terminal:
            from rich.live import Live

            self._live = Live(
                console=self.console,
                refresh_per_second=8,
                transient=True,  # the result on stdout lists the tasks again
                get_renderable=self._render,
            )
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __call__(self, update: RunUpdate) -> None:
        execution = update.execution
        if not self._announced:
            self._announced = True
            self._link = update.link
            self.console.print(
                f"Started execution [bold]{execution.id}[/bold] of "
                f"{execution.namespace}/{execution.flow_id}: {update.link}",
                highlight=False,
                soft_wrap=True,  # a wrapped link cannot be clicked or copied
            )
        if self._live is None:
            for run in execution.task_runs:
                if self._states.get(run.id) != run.state:
                    self._states[run.id] = run.state
                    line = Text(f"  {run.task_id}: ")
                    line.append_text(_state(run.state))
                    self.console.print(line)
        for entry in update.new_logs:
            self.console.print(_log_line(entry))
        self._execution = execution

    def _render(self) -> RenderableType:
        execution = self._execution
        if execution is None:
            return Text("")
        table = Table.grid(padding=(0, 2))
        elapsed = time.monotonic() - self._started
        head = Text(f"{execution.namespace}/{execution.flow_id} ", style="bold")
        head.append_text(_state(execution.state))
        head.append(f"  {elapsed:.0f} s", style="dim")
        table.add_row(Spinner("dots") if not execution.finished else Text("•"), head)
        for run in execution.task_runs:
            mark = Spinner("dots") if run.state is ExecutionState.RUNNING else Text(" ")
            row = Text(f"{run.task_id}  ")
            row.append_text(_state(run.state))
            table.add_row(mark, row)
        return table


# Outputs longer than this are shortened in the table (`--json` has them whole).
OUTPUT_WIDTH = 60
_TASK_COLUMNS = (
    Column("Task"),
    Column("State"),
    Column("Time"),
    Column("Outputs", label="outputs", wraps=True),
)


def render_text(result: RunResult) -> None:
    execution = result.execution
    if not result.waited:
        # Only the id on stdout, so scripts can write EID=$(kestra-init run ... --no-wait).
        err().print(
            f"Started execution {execution.id} of {result.namespace}/{result.flow_id}: "
            f"{result.link}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        out().print(execution.id, highlight=False, markup=False)
        return
    console = out()
    line = Text(f"Execution {execution.id} of {result.namespace}/{result.flow_id} ended in ")
    line.append_text(_state(execution.state))
    if execution.duration is not None:
        line.append(f" after {execution.duration:.1f} s")
    line.append(".")
    console.print(line, soft_wrap=True)
    rows = [
        [
            Text(run.task_id),
            _state(run.state),
            Text(_seconds(run.duration), style="dim"),
            Text(shorten(run.outputs)),
        ]
        for run in execution.task_runs
    ]
    print_table(console, _TASK_COLUMNS, rows)
    if execution.outputs:
        console.print(Text("Flow outputs:", style="bold"))
        for name, value in execution.outputs.items():
            console.print(Text(f"  {name}: {shorten(value)}"), soft_wrap=True)
    console.print(Text(f"Open it: {result.link}"), soft_wrap=True)
    if result.exit_code is not ExitCode.OK:
        console.print(
            Text(
                "The log lines above say what happened; the link shows each task's "
                "outputs and full logs.",
                style="dim",
            )
        )


def shorten(value: object, width: int = OUTPUT_WIDTH) -> str:
    """A value on one line, at most ``width`` characters: JSON for maps and lists."""
    if value in ({}, None):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _seconds(duration: float | None) -> str:
    return "" if duration is None else f"{duration:.1f} s"
