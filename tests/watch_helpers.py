"""Running `kestra-init sync --watch` as a user does: a subprocess, edits, then Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


class WatchRun:
    """``kestra-init sync --watch ARGS`` in ``cwd``; its output lines, as they come."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
        full_env.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kestra_init", "sync", "--watch", *args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.errors)),
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            into.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(
        self, text: str, timeout: float = 15.0, *, after: int = 0, errors: bool = False
    ) -> str:
        """The first line (from line ``after`` on) of stdout, or of stderr with ``errors``,
        holding ``text``; fails on timeout or when the watch ends first."""
        lines = self.errors if errors else self.lines
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ended = self.process.poll() is not None
            for line in lines[after:]:
                if text in line:
                    return line
            if ended:
                break
            time.sleep(0.02)
        raise AssertionError(
            f"no {text!r} within {timeout} s (exit code {self.process.poll()}):\n"
            + self.output
            + "\n"
            + "\n".join(self.errors)
        )

    def started(self) -> WatchRun:
        self.wait_for("Watching")
        return self

    def stop(self, timeout: float = 15.0) -> int:
        """Ctrl-C, as a person ends it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        for thread in self._threads:
            thread.join(timeout=5)
        return code

    def __enter__(self) -> WatchRun:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``check()`` turns true within ``timeout`` seconds (polled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()
