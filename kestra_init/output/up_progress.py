"""Live progress of `kestra-init up` on stderr: checks, image pulls, readiness stages.

On a terminal the running step is redrawn in place with a spinner, its detail
and its elapsed time; finished steps stay above it, one line each. When stderr
is not a terminal (CI logs, pipes) each step prints one line when it ends, and
the start of a step that may take long, so logs show what was being waited for.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

from kestra_init.check_result import CheckResult, Status
from kestra_init.output.console import err
from kestra_init.stack.events import PullLine, StepLine
from kestra_init.stack.readiness import StageEvent, StageStatus

if TYPE_CHECKING:
    from rich.live import Live


_CHECK_MARKS = {
    Status.PASSED: ("✓", "green"),
    Status.WARNING: ("!", "yellow"),
    Status.FAILED: ("✗", "bold red"),
    Status.SKIPPED: ("-", "dim"),
}


class UpProgress:
    """The callback commands report to; use as a context manager around the work."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or err()
        self._live: Live | None = None
        self._current: StageEvent | None = None
        self._pull: str = ""
        self._pull_started: float | None = None
        self._stage_started: dict[str, float] = {}

    def __enter__(self) -> UpProgress:
        if self.console.is_terminal:
            from rich.live import Live

            self._live = Live(
                self._render_current(),
                console=self.console,
                refresh_per_second=8,
                transient=True,
                get_renderable=self._render_current,
            )
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # The callback ---------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        if isinstance(event, CheckResult):
            self._check(event)
        elif isinstance(event, StageEvent):
            self._stage(event)
        elif isinstance(event, PullLine):
            self._pull_line(event.text)
        elif isinstance(event, StepLine):
            self._print("✓" if event.ok else "!", "green" if event.ok else "yellow", event.text)

    def _check(self, check: CheckResult) -> None:
        if check.status is Status.PASSED and not check.detail:
            return
        mark, style = _CHECK_MARKS[check.status]
        text = f"{check.title}: {check.detail}" if check.detail else check.title
        if check.status is Status.WARNING and check.fix:
            text += f" ({check.fix})"
        self._print(mark, style, text)

    def _stage(self, event: StageEvent) -> None:
        if event.status is StageStatus.RUNNING:
            if self._current is None or self._current.key != event.key:
                self._current = event
                if self._live is None:
                    self.console.print(f"… {event.title}", style="dim", highlight=False)
            self._current = event
            return
        self._current = None
        seconds = f" [dim]({event.elapsed:.1f} s)[/dim]"
        if event.status is StageStatus.DONE:
            detail = f": {event.detail}" if event.detail else ""
            self._print("✓", "green", f"{event.title}{detail}", suffix=seconds)
        elif event.status is StageStatus.SKIPPED:
            self._print("-", "dim", f"{event.title}: {event.detail}")
        elif event.status is StageStatus.FAILED:
            detail = f": {event.detail}" if event.detail else ""
            self._print("✗", "bold red", f"{event.title}{detail}", suffix=seconds)

    def _pull_line(self, text: str) -> None:
        if self._pull_started is None:
            self._pull_started = time.monotonic()
            if self._live is None:
                self.console.print("… Pulling images (first run: this takes a few minutes)")
        self._pull = text
        if self._live is None and _is_milestone(text):
            self.console.print(f"  {text}", style="dim", highlight=False)

    # Drawing ---------------------------------------------------------------------
    def _print(self, mark: str, style: str, text: str, suffix: str = "") -> None:
        self.console.print(f"[{style}]{mark}[/{style}] {escape(text)}{suffix}", highlight=False)

    def _render_current(self) -> Any:
        if self._current is not None:
            event = self._current
            label = Text(f"{event.title}", style="bold")
            # The clock runs between probes, so the count never freezes.
            started = self._stage_started.setdefault(event.key, time.monotonic() - event.elapsed)
            elapsed = time.monotonic() - started
            label.append(f"  {elapsed:.0f} s", style="dim")
            if event.detail:
                label.append(f"  {event.detail}", style="dim")
            return Spinner("dots", text=label)
        if self._pull:
            return Spinner("dots", text=Text(f"Pulling images  {self._pull}", style="dim"))
        return Text("")


def _is_milestone(text: str) -> bool:
    """Pull lines worth a line in a log: a service starts or ends pulling, or fails."""
    lowered = text.lower()
    return any(
        word in lowered for word in ("pulling", "pulled", "error", "denied", "warning")
    ) and ("fs layer" not in lowered)
