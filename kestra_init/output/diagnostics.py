"""One linter finding as one line: ``path:line:col: severity rule-id message``.

The shape editors and problem matchers understand; `validate`, `sync` and `up`
print findings the same way.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from kestra_init.flows.diagnostics import Diagnostic, Severity

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def shown_path(path: Path | None, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current folder) when inside it."""
    if path is None:
        return ""
    here = (cwd or Path.cwd()).resolve()
    try:
        return str(path.resolve().relative_to(here))
    except (ValueError, OSError):
        return str(path)


def diagnostic_line(diagnostic: Diagnostic, cwd: Path | None = None) -> Text:
    line = Text(f"{shown_path(diagnostic.path, cwd)}:")
    line.append(f"{diagnostic.line or 1}:{diagnostic.column or 1}: ")
    line.append(diagnostic.severity.value, style=STYLES[diagnostic.severity])
    line.append(f" {diagnostic.rule}", style="bold")
    line.append(f" {diagnostic.message}")
    return line
