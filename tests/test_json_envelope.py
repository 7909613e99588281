"""Every ``--json`` answer is one envelope on stdout, for success and for every failure.

``{"schema_version", "command", "ok", "exit_code", "data", "error"}``: a script
that pipes ``--json`` never gets an empty string. Successes on a running stack
(`up`, `status`, `doctor`) are checked by the Docker end-to-end tests, which read
their answers through the same envelope check (``tests.helpers.read_envelope``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.exit_codes import ExitCode
from tests.fake_kestra import free_port
from tests.helpers import (
    GOOD_FLOW,
    HELLO_FLOW,
    assert_no_traceback,
    make_api_project,
    read_envelope,
)


def answer(result, command: str, code: int) -> dict:  # type: ignore[no-untyped-def]
    assert result.returncode == code, result.stdout + result.stderr
    assert_no_traceback(result)
    envelope = read_envelope(result.stdout, command)
    assert envelope["exit_code"] == code
    return envelope


def failure(result, command: str, code: int, category: str) -> dict:  # type: ignore[no-untyped-def]
    envelope = answer(result, command, code)
    assert envelope["ok"] is False and envelope["data"] is None
    error = envelope["error"]
    assert error["category"] == category and error["what"], error
    return error


def no_docker_env() -> dict[str, str]:
    """A PATH without the docker command (python stays reachable by its full path)."""
    return {"PATH": "/nonexistent"}


# Outside a project: every command that needs one says so, in the envelope. ---------
@pytest.mark.parametrize("command", ["up", "down", "status", "open", "update"])
def test_outside_a_project_is_a_usage_error(cli, tmp_path: Path, command: str) -> None:
    env = no_docker_env() if command != "update" else {}
    error = failure(cli(command, "--json", cwd=tmp_path, env=env), command, 2, "usage")
    assert "not inside a kestra-init project" in error["what"]
    assert error["fix"]


def test_new_success_and_bad_input(cli, tmp_path: Path, template_cache_env) -> None:  # type: ignore[no-untyped-def]
    made = answer(
        cli("new", "p", "--defaults", "--json", cwd=tmp_path, env=template_cache_env), "new", 0
    )
    assert made["ok"] is True and made["error"] is None
    assert made["data"]["root"] == str(tmp_path / "p")
    bad = cli(
        "new", "q", "--defaults", "--data", "kestra_port=abc", "--json",
        cwd=tmp_path, env=template_cache_env,
    )  # fmt: skip
    error = failure(bad, "new", 2, "usage")
    assert "kestra_port" in error["what"]
    assert not (tmp_path / "q").exists()


def test_open_success(cli, tmp_path: Path) -> None:
    project = make_api_project(tmp_path / "p", _Server(8123))
    opened = answer(cli("open", "--no-browser", "--json", cwd=project), "open", 0)
    assert opened["data"]["url"] == "http://localhost:8123"
    assert opened["data"]["opened"] is False


def test_doctor_without_docker_is_findings_not_an_error(cli, tmp_path: Path) -> None:
    result = answer(cli("doctor", "--json", cwd=tmp_path, env=no_docker_env()), "doctor", 1)
    assert result["ok"] is False and result["error"] is None
    checks = {check["check"]: check for check in result["data"]["checks"]}
    assert checks["docker-cli"]["status"] == "failed" and checks["docker-cli"]["fix"]


def test_down_needs_docker_and_says_so(cli, tmp_path: Path) -> None:
    project = make_api_project(tmp_path / "p", _Server(8123))
    error = failure(
        cli("down", "--json", cwd=project, env=no_docker_env()), "down", 3, "environment"
    )
    assert "docker command is not installed" in error["what"]


def test_validate_success_findings_and_bad_input(cli, tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text(GOOD_FLOW)
    ok = answer(cli("validate", str(good), "--format", "json"), "validate", 0)
    assert ok["data"]["summary"]["errors"] == 0 and ok["error"] is None
    bad = tmp_path / "bad.yml"
    bad.write_text(GOOD_FLOW.replace("namespace: company.team", "namespace: Bad"))
    findings = answer(cli("validate", str(bad), "--format", "json"), "validate", 1)
    assert findings["error"] is None and findings["data"]["summary"]["errors"] == 1
    missing = cli("validate", str(tmp_path / "nope.yml"), "--format", "json")
    assert "does not exist" in failure(missing, "validate", 2, "usage")["what"]


def test_sync_success_kestra_down_and_bad_input(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_api_project(tmp_path / "p", fake_kestra)
    (project / "flows" / "hello.yml").write_text(HELLO_FLOW)
    synced = answer(cli("sync", "--json", cwd=project), "sync", 0)
    assert [row["action"] for row in synced["data"]["flows"]] == ["create"]
    down = cli("sync", "--json", "--server", f"http://127.0.0.1:{free_port()}", cwd=project)
    assert "not reachable" in failure(down, "sync", 4, "kestra")["what"]
    missing = cli("sync", "nope.yml", "--json", cwd=project)
    failure(missing, "sync", 2, "usage")


def test_run_success_kestra_down_and_bad_input(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(HELLO_FLOW)
    ran = answer(cli("run", "demo/hello", "--json", cwd=project), "run", 0)
    assert ran["data"]["state"] == "SUCCESS"
    down = cli(
        "run", "demo/hello", "--json", "--server", f"http://127.0.0.1:{free_port()}", cwd=project
    )
    failure(down, "run", 4, "kestra")
    bad = cli("run", "demo/hello", "--input", "no-equals-sign", "--json", cwd=project)
    assert "KEY=VALUE" in failure(bad, "run", 2, "usage")["what"]


def test_a_usage_error_typer_finds_is_an_envelope_too(cli, tmp_path: Path) -> None:
    result = cli("sync", "--json", "--no-such-option", cwd=tmp_path)
    error = failure(result, "sync", ExitCode.USAGE, "usage")
    assert "--no-such-option" in error["what"]
    text = cli("sync", "--no-such-option", cwd=tmp_path)
    assert text.returncode == ExitCode.USAGE and text.stdout == ""


def test_without_json_nothing_but_the_result_is_on_stdout(cli, tmp_path: Path) -> None:
    result = cli("status", cwd=tmp_path, env=no_docker_env())
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == "" and "not inside a kestra-init project" in result.stderr


class _Server:
    """Enough of a server for make_api_project: a port and a login."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.username = "admin@example.com"
        self.password = "Admin1234"
