"""Rendering of `kestra-init logs`: the lines as they come, on stdout."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from kestra_init.exit_codes import ExitCode


def render(lines: Iterable[str]) -> ExitCode:
    # Plain writes, not rich: log lines hold brackets rich would read as markup,
    # and a followed log must appear line by line.
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except BrokenPipeError:  # `kestra-init logs | head` closed the pipe: a normal end
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    finally:
        # Stop the compose process behind the lines now (also on Ctrl-C), rather
        # than whenever the generator happens to be collected.
        close = getattr(lines, "close", None)
        if close is not None:
            close()
    return ExitCode.OK
