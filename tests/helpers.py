"""Test data and set-ups several test modules share (one copy of each)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# A valid flow with one task: the smallest thing `validate` has nothing to say about.
GOOD_FLOW = """\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
"""

# A flow with an input and two log lines, for runs against the fake Kestra.
HELLO_FLOW = """id: hello
namespace: demo
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
  - id: bye
    type: io.kestra.plugin.core.log.Log
    message: Bye
"""

# A flow whose second task fails the execution; the third never runs.
FAILING_FLOW = """id: broken
namespace: demo
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: starting
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: it broke
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never logged
"""


def make_api_project(root: Path, server) -> Path:  # type: ignore[no-untyped-def]
    """A minimal project whose .env points at a (fake) Kestra server and its login."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "docker-compose.yml").write_text("services: {}\n")
    (root / ".env").write_text(
        f"KESTRA_PORT={server.port}\nKESTRA_ADMIN_EMAIL={server.username}\n"
        f"KESTRA_ADMIN_PASSWORD={server.password}\n"
    )
    return root


def run_at_a_terminal(
    args: list[str], typed: bytes, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``kestra-init ARGS`` with a terminal as its input, ``typed`` already typed.

    For prompts: they only ask when stdin is a terminal. The output is captured.
    """
    import pty

    full_env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", **(env or {})}
    controller, terminal = pty.openpty()
    try:
        os.write(controller, typed)  # typed ahead; the terminal holds it for the prompt
        return subprocess.run(
            [sys.executable, "-m", "kestra_init", *args],
            cwd=cwd, env=full_env, stdin=terminal, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(terminal)
        os.close(controller)
