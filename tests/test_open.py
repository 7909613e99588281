"""`kestra-init open` as a script uses it: the URL alone on stdout, bad ports refused."""

from __future__ import annotations

import stat
from pathlib import Path

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback, posix_only


def make_project(root: Path, env: str) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "docker-compose.yml").write_text("services: {}\n")
    (root / ".env").write_text(env)
    return root


@posix_only
def test_a_browser_helper_that_prints_stays_off_stdout(cli, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", "KESTRA_PORT=18123\n")
    opened = tmp_path / "opened.txt"
    helper = tmp_path / "browser.sh"
    # Like VS Code's helper, it talks on stdout; and it records the URL it got.
    helper.write_text(f'#!/bin/sh\necho "helper: opening $1"\necho "$1" > {opened}\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)

    result = cli("open", cwd=project, env={"BROWSER": str(helper)})

    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == "http://localhost:18123\n"  # what URL=$(kestra-init open) gets
    assert "helper: opening" in result.stderr
    assert opened.read_text().strip() == "http://localhost:18123"


def test_a_port_that_is_not_a_number_is_named_not_replaced(cli, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", "KESTRA_PORT=abc\n")
    result = cli("open", "--no-browser", cwd=project)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert result.stdout == ""  # never a URL with some other port
    message = " ".join(result.stderr.split())
    assert "KESTRA_PORT=abc" in message and str(project / ".env") in message
    assert "1 to 65535" in message


def test_without_the_variable_the_default_port_is_used(cli, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", "# no ports here\n")
    result = cli("open", "--no-browser", cwd=project)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == "http://localhost:8080\n"
