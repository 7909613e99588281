"""One linter finding as one line: ``path:line:col: severity rule-id message``.

The shape editors and problem matchers understand; `validate`, `sync` and `up`
print findings the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text

from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.services.real_paths import RealPaths

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def shown_path(path: Path | None, cwd: Path | None = None, real: RealPaths | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current folder) when inside it.

    A table of 2,000 rows passes one ``real``: its folders are resolved once,
    not every folder of every row (``services.real_paths``).
    """
    if path is None:
        return ""
    real = real or RealPaths()
    try:
        here = real.folder(cwd if cwd is not None else os.curdir)
        target = real.of(path)
    except OSError:  # a path too long or a loop of links: shown as given
        return str(path)
    if target == here:
        return os.curdir
    inside = here if here.endswith(os.sep) else here + os.sep
    return target[len(inside) :] if target.startswith(inside) else str(path)


def diagnostic_line(diagnostic: Diagnostic, cwd: Path | None = None) -> Text:
    line = Text(f"{shown_path(diagnostic.path, cwd)}:")
    line.append(f"{diagnostic.line or 1}:{diagnostic.column or 1}: ")
    line.append(diagnostic.severity.value, style=STYLES[diagnostic.severity])
    line.append(f" {diagnostic.rule}", style="bold")
    line.append(f" {diagnostic.message}")
    return line
