"""`kestra-init new` in a terminal: Copier's prompts, with the template's rules.

Runs the command on a pseudo-terminal, answers like a person (a refused
namespace first, then a good one, Enter for the rest) and checks the result.
"""

from __future__ import annotations

import os
import re
import select
import struct
import sys
import time
from pathlib import Path

import pytest
import yaml

pty = pytest.importorskip("pty", reason="pseudo-terminals exist on Unix only")
fcntl = pytest.importorskip("fcntl", reason="pseudo-terminals exist on Unix only")
termios = pytest.importorskip("termios", reason="pseudo-terminals exist on Unix only")

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command itself
            os.execve(sys.executable, [sys.executable, "-m", "kestra_init", *args], env)
        # A wide terminal, so prompts and messages are not cut at 80 columns.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.seen = b""

    def _read(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False  # the command ended
        self.seen += _ANSI.sub(b"", chunk)
        return bool(chunk)

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"never saw {text!r}; the screen:\n{self.text()}")

    def send(self, keys: str) -> None:
        self.seen = b""  # what follows is the answer to this
        os.write(self.fd, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.1)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.05):
                    pass
                return os.waitstatus_to_exitcode(status)
            os.write(self.fd, b"\r")  # Enter: the default answer to whatever is asked
            time.sleep(0.1)
        os.kill(self.pid, 9)
        raise AssertionError(f"the command did not end; the screen:\n{self.text()}")

    def text(self) -> str:
        return self.seen.decode(errors="replace")


def test_prompts_refuse_a_bad_answer_and_take_a_good_one(
    tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    env = {**os.environ, **template_cache_env, "COLUMNS": "200", "NO_COLOR": "1"}
    terminal = Terminal(["new", str(tmp_path / "asked")], env)
    terminal.expect("Project name")
    terminal.send("\r")
    terminal.expect("Project slug")
    terminal.send("\r")
    terminal.expect("Kestra namespace")
    terminal.send("\x15My NS\r")  # Ctrl-U clears the default, then a bad answer
    terminal.expect("A Kestra namespace starts with a lower-case letter")
    terminal.send("\x15acme.team\r")
    terminal.expect("Kestra version")
    terminal.send("\r")
    assert terminal.finish() == 0, terminal.text()

    answers = yaml.safe_load((tmp_path / "asked" / ".copier-answers.yml").read_text())
    assert answers["namespace"] == "acme.team"
    assert answers["project_name"] == "asked"
    assert answers["kestra_version"] == "v1.3"
    assert "admin_password" not in answers
    assert (tmp_path / "asked" / ".env").stat().st_mode & 0o777 == 0o600
