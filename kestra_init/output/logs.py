"""Rendering of `kestra-init logs`: the lines as they come, on stdout."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from kestra_init.commands.logs import LogsResult

# SIGHUP does not exist on Windows.
_ENDING_SIGNALS = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def render_text(result: LogsResult) -> None:
    # Plain writes, not rich: log lines hold brackets rich would read as markup,
    # and a followed log must appear line by line.
    # SIGTERM (a supervisor, `timeout`) and SIGHUP (a closed terminal) end it as
    # Ctrl-C does: through the finally below, which ends the compose process too.
    previous = {sig: signal.signal(sig, _stop) for sig in _ENDING_SIGNALS}
    try:
        for line in result.lines:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except BrokenPipeError:  # `kestra-init logs | head` closed the pipe: a normal end
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    finally:
        # Stop the compose process behind the lines now (also on Ctrl-C), rather
        # than whenever the generator happens to be collected.
        close = getattr(result.lines, "close", None)
        if close is not None:
            close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
