"""Test data and set-ups several test modules share (one copy of each)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Tests that need POSIX permission bits, a POSIX shell script as a command, or a
# PATH holding nothing but a link to python: Windows has none of these.
posix_only = pytest.mark.skipif(
    os.name != "posix", reason="needs POSIX permission bits, shell scripts or symbolic links"
)
# Read-only reference material of development and CI machines (absent in a user's clone).
SHARED_DIR = REPO_ROOT.parent / "shared"

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


ENVELOPE_KEYS = {"schema_version", "command", "ok", "exit_code", "data", "error"}


def read_envelope(stdout: str, command: str) -> dict[str, Any]:
    """A ``--json`` answer: exactly one envelope object on stdout, for ``command``."""
    answer = json.loads(stdout)
    assert isinstance(answer, dict) and set(answer) == ENVELOPE_KEYS, stdout
    assert answer["command"] == command and answer["schema_version"] == 1, answer
    assert answer["ok"] is (answer["exit_code"] == 0), answer
    if answer["error"] is not None:
        assert {"category", "what", "why", "fix", "details"} <= set(answer["error"]), answer
    return answer


def json_data(stdout: str, command: str) -> dict[str, Any]:
    """The ``data`` of a ``--json`` answer (checked to be an envelope)."""
    data = read_envelope(stdout, command)["data"]
    assert isinstance(data, dict), stdout
    return data


def docker_problem() -> str | None:
    """Why Docker-backed tests cannot run here, or None when they can."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    try:
        info = subprocess.run(
            ["docker", "info", "--format", "{{.OSType}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 20 s"
    if info.returncode != 0:
        return "no Docker engine is reachable (`docker info` failed)"
    if info.stdout.strip() not in ("linux", ""):
        # Docker on Windows in Windows-containers mode: the stacks need Linux images.
        return f"the Docker engine runs {info.stdout.strip()} containers, not Linux ones"
    compose = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if compose.returncode != 0:
        return "the Compose v2 plugin is missing (`docker compose version` failed)"
    return None


def assert_owner_only(path: Path) -> None:
    """The file is readable by its owner alone: mode 600 (where there are modes; not Windows)."""
    assert path.is_file()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    """A user-facing failure must never show a Python traceback."""
    for stream in (result.stdout, result.stderr):
        assert "Traceback (most recent call last)" not in stream, stream


def as_permissions_apply() -> list[str]:
    """A command prefix under which file modes hold, for root too.

    Root reads a folder of mode 0 through its DAC capabilities; without them in
    the bounding set (util-linux's setpriv, part of every Debian), the kernel
    checks the mode bits as for anyone else. Empty when not root.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test unreadable files as root"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
