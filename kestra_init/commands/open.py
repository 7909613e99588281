"""`kestra-init open`: the UI's URL, and a browser on it when this machine has one."""

from __future__ import annotations

import contextlib
import os
import sys
import webbrowser
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.codespaces.environment import in_codespace, public_url
from kestra_init.exit_codes import ExitCode
from kestra_init.project import require_project


@dataclass(frozen=True)
class OpenResult:
    url: str
    opened: bool
    reason: str = ""  # why no browser was opened

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "opened": self.opened, "reason": self.reason or None}


def open_ui(
    *, start: Path | None = None, launch: bool = True, environ: Mapping[str, str] | None = None
) -> OpenResult:
    """The UI URL from the project's settings (forwarded address in a codespace).

    Reads only the project's files: no Docker call, so it answers at once even
    when the stack is down (the URL is where Kestra will be).
    """
    env = os.environ if environ is None else environ
    project = require_project(start)
    url = public_url(project.ui_port, env)
    if not launch:
        return OpenResult(url, False, "--no-browser")
    reason = _no_browser_reason(env)
    if reason:
        return OpenResult(url, False, reason)

    try:
        with _stdout_to_stderr():
            opened = webbrowser.open(url, new=2)
    except Exception:  # a broken browser setup must not fail the command
        opened = False
    return OpenResult(url, opened, "" if opened else "no browser could be started")


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever the browser prints to stderr, while it starts.

    webbrowser runs the BROWSER command (and xdg-open...) with our stdout,
    and some helpers print there; `URL=$(kestra-init open)` must get the URL
    alone. Done on the file descriptors, because the browser is another process.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout (closed): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _no_browser_reason(env: Mapping[str, str]) -> str:
    """Why opening a browser would not help here, or "" when it may.

    On a Linux machine without a display, Python's webbrowser falls back to text
    browsers (lynx, w3m) that would take over the terminal, so we only try when
    a graphical session or a BROWSER command (VS Code and Codespaces set one,
    which opens the page on the user's own machine) is there.
    """
    if env.get("BROWSER"):
        return ""
    if in_codespace(env):
        return "in a codespace without a BROWSER helper"
    if sys.platform in ("darwin", "win32"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return "no graphical display here"
