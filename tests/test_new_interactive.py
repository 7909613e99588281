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


# At 80 columns ---------------------------------------------------------------------------
# prompt_toolkit draws a refused answer's message in a toolbar one line high: at 80
# columns the rule half of every message was cut ("A Kestra namespace starts with a
# lowe"). Here the command runs on an 80x24 pseudo-terminal read by a terminal emulator
# (pyte), and each message must be on the screen whole.
pyte = pytest.importorskip("pyte", reason="the terminal emulator is a test dependency")

# (question as its prompt starts, a refused answer, the answer then given). Answers
# are typed over the default (Ctrl-U first); None: Enter, the default.
REFUSALS: list[tuple[str, str | None, str | None]] = [
    ("Project name", "...", "Narrow"),
    ("Project slug", "Not A Slug", "narrow"),
    ("Kestra namespace", "My NS", "acme.team"),
    ("Kestra version", "latest", "v1.3"),
    ("Database for Kestra", None, None),
    ("Port of the Kestra UI", "70000", "8080"),
    ("Port of Kestra's management", "8080", "8081"),
    ("Email of the Kestra admin", "not-an-email", "ada@example.com"),
    ("Admin password", "short", ""),
    ("Example flows", None, None),
    ("Where the Python examples run", None, None),
    ("Add a devcontainer", None, None),
    ("GitHub repository", "just-a-name", ""),
    ("Add a GitHub Actions workflow", None, None),
    ("Add a pre-commit configuration", None, None),
    ("What pip installs", " ", "kestra-init==9.9.9"),
]


class Screen:
    """The command on an 80x24 pseudo-terminal, as a terminal would show it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(sys.executable, [sys.executable, "-m", "kestra_init", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)

    def _pump(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if ready:
            try:
                self.stream.feed(os.read(self.fd, 65536))
            except OSError:
                return False
        return True

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def flat(self) -> str:
        return " ".join(self.text().split())

    def wait_for(self, words: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        wanted = " ".join(words.split())
        while wanted not in self.flat():
            if time.monotonic() > deadline or not self._pump(0.1):
                raise AssertionError(f"never saw {words!r}; the screen:\n{self.text()}")
        for _ in range(3):  # what follows in the same frame
            self._pump(0.05)

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._pump(0.1)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError(f"the command did not end; the screen:\n{self.text()}")


def _expected_messages() -> dict[str, str]:
    """What each question's validator says about the refused answer (Copier's Jinja)."""
    from jinja2.sandbox import SandboxedEnvironment

    from kestra_init.templating.source import packaged_template_dir

    config = yaml.safe_load((packaged_template_dir() / "copier.yml").read_text())
    jinja = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    names = [name for name, spec in config.items() if isinstance(spec, dict) and "help" in spec]
    context = {"kestra_port": 8080, "project_name": "Narrow"}
    messages = {}
    for (_prompt, bad, _good), name in zip(REFUSALS, names, strict=True):
        if bad is None:
            continue
        value: object = int(bad) if config[name].get("type") == "int" else bad
        text = jinja.from_string(config[name]["validator"]).render(**{**context, name: value})
        messages[name] = " ".join(text.split())
    return messages


def test_every_refusal_is_readable_whole_at_80_columns(
    tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    expected = _expected_messages()
    assert len(expected) == 10 and all(expected.values())
    # Most are longer than a line: the ones a one-line toolbar cut.
    assert sum(len(message) > 80 for message in expected.values()) >= 6
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(template_cache_env, NO_COLOR="1", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    screen = Screen(["new", str(tmp_path / "narrow")], env)
    messages = iter(expected.values())
    for prompt, bad, good in REFUSALS:
        screen.wait_for(prompt)
        if bad is None:
            screen.type("\r")
            continue
        screen.type(f"\x15{bad}\r")
        message = next(messages)
        screen.wait_for(message)  # every word of it, on the 80-column screen
        screen.type(f"\x15{good}\r")
    assert screen.finish() == 0, screen.text()

    answers = yaml.safe_load((tmp_path / "narrow" / ".copier-answers.yml").read_text())
    assert answers["namespace"] == "acme.team"
    assert answers["admin_email"] == "ada@example.com"
    assert answers["kestra_init_pip_spec"] == "kestra-init==9.9.9"
