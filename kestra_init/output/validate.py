"""Rendering of `kestra-init validate`: one line per finding, then a summary.

Three formats:
- ``text``: ``path:line:col: severity rule-id message``, the shape editors and
  problem matchers understand, then a summary line;
- ``json``: the whole result for tools;
- ``github``: GitHub Actions workflow commands (``::error file=...::``), which
  become annotations on the changed lines of a pull request.

A finding about a whole file (line 0 in the data) is shown at 1:1 in text and
without a line in GitHub annotations.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from kestra_init.commands.validate import ValidateReport
from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.lint import ProgressCallback
from kestra_init.output.console import err, out

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# Below this many files validation takes a blink; a progress bar would only flicker.
_PROGRESS_FROM = 200


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to the current folder when it is inside it, as given otherwise."""
    # Links are kept as they are: a flow found through a linked folder, or a
    # link to nothing, is shown under the name it was found by.
    here = Path(os.path.abspath(cwd or Path.cwd()))
    where = Path(os.path.abspath(path))
    for base in (here, here.resolve()):
        try:
            return str(where.relative_to(base))
        except ValueError:
            continue
    return str(path)


def github_line(diagnostic: Diagnostic, cwd: Path | None = None) -> str:
    properties = [f"file={_escape_property(display_path(diagnostic.path, cwd))}"]
    if diagnostic.line:
        properties.append(f"line={diagnostic.line}")
        if diagnostic.column:
            properties.append(f"col={diagnostic.column}")
    properties.append(f"title={_escape_property(diagnostic.rule)}")
    level = _GITHUB_LEVELS[diagnostic.severity]
    return f"::{level} {','.join(properties)}::{_escape_data(diagnostic.message)}"


def summary(report: ValidateReport) -> str:
    result = report.result
    checked = len(result.files_checked)
    skipped = len(result.files_skipped)
    if checked + skipped == 0:
        where = ", ".join(str(target) for target in report.targets)
        return f"No .yml or .yaml files found in {where}."
    files = _plural(checked, "file")
    if skipped:
        files += f" ({skipped} skipped: not flows)"
    server = f", and by Kestra at {report.server_url}" if report.server_url else ""
    counts = [
        _plural(result.errors, "error"),
        _plural(result.warnings, "warning"),
    ]
    # Which Kestra the rules were checked for, and what was switched off: a clean
    # result says what it is clean for.
    notes = f" Checked for {result.target.label}"
    if result.suppressed:
        notes += f"; {_plural(result.suppressed, 'finding')} ignored by comments or settings"
    notes += "."
    if result.errors == 0 and result.warnings == 0:
        return f"No problems found in {files}{server}.{notes}"
    verdict = ", ".join(counts) + f" in {files}{server}."
    if result.strict and result.warnings:
        verdict += " (--strict: warnings fail the check.)"
    return verdict + notes


def render_text(report: ValidateReport) -> None:
    console = out()
    cwd = Path.cwd()
    for diagnostic in report.result.diagnostics:
        line = Text(f"{display_path(diagnostic.path, cwd)}:")
        line.append(f"{diagnostic.line or 1}:{diagnostic.column or 1}: ")
        line.append(diagnostic.severity.value, style=_STYLES[diagnostic.severity])
        line.append(f" {diagnostic.rule}", style="bold")
        line.append(f" {diagnostic.message}")
        # soft_wrap: one finding stays one line, whatever the terminal width,
        # so it can be grepped and clicked.
        console.print(line, soft_wrap=True)
    result = report.result
    style = "bold red" if result.failed else ("yellow" if result.warnings else "green")
    if result.diagnostics:
        console.print()
    console.print(Text(summary(report), style=style), soft_wrap=True)


def render_github(report: ValidateReport) -> None:
    cwd = Path.cwd()
    for diagnostic in report.result.diagnostics:
        sys.stdout.write(github_line(diagnostic, cwd) + "\n")
    sys.stdout.write(summary(report) + "\n")
    sys.stdout.flush()


def _escape_data(text: str) -> str:
    # The escaping GitHub's workflow commands require (actions/toolkit, command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@contextmanager
def file_progress(enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr for long runs on a terminal; None when not wanted."""
    if not enabled or not err().is_terminal or os.environ.get("CI"):
        yield None
        return
    bar = _FileProgress()
    try:
        yield bar
    finally:
        bar.close()


class _FileProgress:
    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int, path: Path) -> None:
        if total < _PROGRESS_FROM:
            return
        if self._progress is None or self._task is None:
            # rich's live display: imported only when a long run shows it.
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("Validating"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("validate", total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
