"""`kestra-init doctor`: every check with its fix, the codespace checks, the
task-container networking trap in the flows; and the small companions `open`
and `logs` that need no running stack to answer.
"""

from __future__ import annotations

import base64
import os
import subprocess

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback, json_data
from tests.standin.fixtures import StandinProject

CODESPACE = {
    "CODESPACES": "true",
    "CODESPACE_NAME": "kitest-space",
    "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
}

LOCALHOST_FLOW = """\
id: call_kestra
namespace: kitest.e2e
tasks:
  - id: ask
    type: io.kestra.plugin.scripts.python.Script
    containerImage: python:3.12-slim
    script: |
      import urllib.request
      print(urllib.request.urlopen("http://localhost:8080/api/v1/configs").read())
"""


def checks_by_key(output: str) -> dict[str, dict[str, str]]:
    return {check["check"]: check for check in json_data(output, "doctor")["checks"]}


def test_a_healthy_project_passes_every_check(standin_project: StandinProject, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("doctor", "--json", cwd=standin_project.root, env=standin_project.env)
    assert result.returncode == ExitCode.OK, result.stdout
    checks = checks_by_key(result.stdout)
    for key in (
        "docker-cli",
        "docker-daemon",
        "docker-compose",
        "env-file",
        "compose-config",
        "ports",
        "flows-networking",
    ):
        assert checks[key]["status"] == "passed", checks[key]
    assert "standin.yml" in checks["compose-config"]["detail"]  # COMPOSE_FILE was honoured
    assert "codespace-dind" not in checks  # only inside a codespace


def test_doctor_lists_every_failure_with_its_fix_and_exits_1(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    (project.root / "flows" / "call_kestra.yml").write_text(LOCALHOST_FLOW)
    env_file = project.root / ".env"
    env_file.write_text(
        env_file.read_text().replace(
            "KESTRA_ADMIN_EMAIL=admin@example.com", "KESTRA_ADMIN_EMAIL=admin"
        )
    )
    result = cli("doctor", cwd=project.root, env={**project.env, **CODESPACE})
    assert result.returncode == ExitCode.FINDINGS
    assert_no_traceback(result)
    text = result.stdout
    assert text.count("FAIL") == 2, text
    assert "not an email" in text
    assert "flows/call_kestra.yml:" in text and "host.docker.internal" in text
    # Inside a codespace: Docker-in-Docker (this machine runs dockerd itself) and the
    # devcontainer forwarding the UI port are checked too.
    assert "docker-in-docker" in text and "forwarded" in text
    assert "2 checks failed" in text


def test_a_codespace_whose_ui_port_moved_is_told_to_forward_it(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    env_file = project.root / ".env"
    env_file.write_text(
        env_file.read_text().replace(
            f"KESTRA_PORT={project.ui_port}", f"KESTRA_PORT={project.ui_port + 1}"
        )
    )
    result = cli("doctor", "--json", cwd=project.root, env={**project.env, **CODESPACE})
    checks = checks_by_key(result.stdout)
    assert result.returncode == ExitCode.FINDINGS
    assert checks["codespace-dind"]["status"] == "passed"
    forwarded = checks["codespace-port"]
    assert forwarded["status"] == "failed"
    assert str(project.ui_port + 1) in forwarded["detail"] and "forwardPorts" in forwarded["fix"]


def test_outside_a_project_only_the_machine_is_checked(docker_engine, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("doctor", "--json", cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stdout
    checks = checks_by_key(result.stdout)
    assert checks["project"]["status"] == "skipped"
    assert checks["docker-daemon"]["status"] == "passed"


def test_open_prints_the_url_and_never_fails_without_a_browser(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    headless = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "BROWSER": ""}
    result = cli("open", cwd=standin_project.root, env=headless)
    assert result.returncode == ExitCode.OK
    assert result.stdout.strip() == f"http://localhost:{standin_project.ui_port}"
    assert "No browser opened" in result.stderr
    inside = cli("open", "--no-browser", cwd=standin_project.root, env={**headless, **CODESPACE})
    assert inside.stdout.strip() == f"https://kitest-space-{standin_project.ui_port}.app.github.dev"


def test_logs_of_an_unknown_service_lists_the_real_ones(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    result = cli("logs", "kestraa", cwd=standin_project.root, env=standin_project.env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "no service named 'kestraa'" in result.stderr
    assert "kestra" in result.stderr and "postgres" in result.stderr


def test_logs_of_a_stack_that_never_started_says_so_instead_of_printing_nothing(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    for args in (("logs",), ("logs", "kestra", "--follow")):
        result = cli(*args, cwd=standin_project.root, env=standin_project.env, timeout=60)
        assert result.returncode == ExitCode.USAGE, result.stdout
        assert_no_traceback(result)
        message = " ".join(result.stderr.split())
        assert f"The stack '{standin_project.slug}' has no containers" in message
        assert "kestra-init up" in message


def test_a_broken_compose_file_shows_compose_s_own_words(docker_engine, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.standin.project import free_port, minimal_project, unique_slug

    root = minimal_project(
        tmp_path / "proj", unique_slug("doctor"), ui_port=free_port(), management_port=free_port()
    )
    with (root / "docker-compose.yml").open("a") as compose:
        compose.write("oops: [unclosed\n")
    text = cli("doctor", cwd=root)
    assert text.returncode == ExitCode.FINDINGS
    assert_no_traceback(text)
    # The fix says to read Compose's message: it must be there, with the line it names.
    assert "Read Compose's message below" in text.stdout
    assert "yaml: line" in text.stdout
    report = cli("doctor", "--json", cwd=root)
    compose_check = checks_by_key(report.stdout)["compose-config"]
    assert compose_check["status"] == "failed"
    assert any("yaml: line" in line for line in compose_check["details"])


def test_an_env_that_is_not_utf8_fails_its_check_and_doctor_goes_on(  # type: ignore[no-untyped-def]
    docker_engine, cli, tmp_path
) -> None:
    from tests.standin.project import free_port, minimal_project, unique_slug

    root = minimal_project(
        tmp_path / "proj", unique_slug("doctor"), ui_port=free_port(), management_port=free_port()
    )
    (root / ".env").write_bytes(b"KESTRA_ADMIN_PASSWORD=caf\xe9\n")
    report = cli("doctor", "--json", cwd=root)
    assert report.returncode == ExitCode.FINDINGS, report.stderr
    assert_no_traceback(report)
    checks = checks_by_key(report.stdout)
    assert checks["env-file"]["status"] == "failed"
    assert "not UTF-8" in checks["env-file"]["detail"]
    assert checks["flows-networking"]["status"] == "passed"  # the rest still ran


def test_doctor_asks_the_running_kestra_version_login_and_flows(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    project.override(kestra_args=["--version", "1.3.2"])  # the project pins v1.3
    started = cli("up", cwd=project.root, env=project.env)
    assert started.returncode == 0, started.stderr
    result = cli("doctor", "--json", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.OK, result.stdout
    checks = checks_by_key(result.stdout)
    for key in ("kestra-health", "kestra-login", "kestra-version", "kestra-flows"):
        assert checks[key]["status"] == "passed", checks[key]
    assert "1.3.2 (pinned v1.3)" in checks["kestra-version"]["detail"]

    # A file edited after the last sync: the server's copy is older.
    hello = project.root / "flows" / "hello_world.yml"
    hello.write_text(hello.read_text() + "\n# edited\n")
    edited = checks_by_key(cli("doctor", "--json", cwd=project.root, env=project.env).stdout)
    assert edited["kestra-flows"]["status"] == "warning"
    assert "hello_world" in edited["kestra-flows"]["detail"]
    assert "kestra-init sync" in edited["kestra-flows"]["fix"]


def test_doctor_fails_a_kestra_that_refuses_the_login_and_one_not_as_pinned(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    # Kestra holds another password than .env's (set in its UI, or an older .env),
    # and runs 1.1.0 where the project pins v1.3.
    project.override(kestra_args=["--username", "admin@example.com", "--password", "Other1234x"])
    subprocess.run(
        ["docker", "compose", "up", "-d", "--wait"],
        cwd=project.root,
        env={**os.environ, **project.env},
        capture_output=True,
        check=True,
        timeout=180,
    )
    result = cli("doctor", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.FINDINGS, result.stdout
    assert_no_traceback(result)
    text = " ".join(result.stdout.split())  # the table wraps long lines
    assert "Everything checked is fine" not in text
    assert "Kestra answers 401 to the .env login" in text
    assert "only when its container is (re)created" in text
    assert "Kestra 1.1.0 runs, but docker-compose.yml pins v1.3" in text
    assert "kestra-init up --pull" in text
    as_json = checks_by_key(cli("doctor", "--json", cwd=project.root, env=project.env).stdout)
    assert as_json["kestra-login"]["status"] == "failed"
    assert as_json["kestra-flows"]["status"] == "skipped"  # nothing to compare without a login


def test_doctor_report_holds_every_check_and_no_planted_secret(
    standin_project: StandinProject, cli, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    dotenv = project.dotenv
    planted_env = {
        "SECRET_WAREHOUSE_TOKEN": "wh-token-Planted-4711",
        "KESTRA_ADMIN_PASSWORD": dotenv["KESTRA_ADMIN_PASSWORD"],
    }
    env_file = project.root / ".env"
    env_file.write_text(env_file.read_text() + "SECRET_WAREHOUSE_TOKEN=wh-token-Planted-4711\n")
    # Kestra refuses the login, and its log shows secrets, as a careless flow's log can.
    leak = f"connecting as {dotenv['KESTRA_ADMIN_EMAIL']} password={dotenv['POSTGRES_PASSWORD']}"
    project.override(
        kestra_args=["--say", leak, "--username", "admin@example.com", "--password", "Other1234x"]
    )
    subprocess.run(
        ["docker", "compose", "up", "-d", "--wait"],
        cwd=project.root,
        env={**os.environ, **project.env},
        capture_output=True,
        check=True,
        timeout=180,
    )
    shell_secrets = {
        "GITHUB_TOKEN": "ghp_PlantedToken0123456789",
        "KESTRA_PASSWORD": "Cli-Pass-99x",
    }
    out_file = tmp_path / "report.md"
    written = cli(
        "doctor", "--report", "-o", out_file, cwd=project.root, env={**project.env, **shell_secrets}
    )
    assert written.returncode == ExitCode.FINDINGS, written.stdout + written.stderr
    assert "Report written to" in written.stdout
    report = out_file.read_text()
    printed = cli("doctor", "--report", cwd=project.root, env={**project.env, **shell_secrets})
    # The same report on stdout (the log tail may have grown meanwhile).
    assert printed.stdout.split("## Last")[0] == report.split("## Last")[0]

    planted = [
        *planted_env.values(),
        dotenv["POSTGRES_PASSWORD"],
        dotenv["KESTRA_ENCRYPTION_KEY"],
        dotenv["SECRET_KESTRA_PASSWORD"],
        dotenv["KESTRA_ADMIN_EMAIL"],
        *shell_secrets.values(),
    ]
    for secret in planted:
        assert secret not in report, secret
        assert base64.b64encode(secret.encode()).decode() not in report, secret
    # Everything an organiser needs: versions, machine, each check, the failing log.
    assert report.startswith("# kestra-init doctor report")
    for fact in ("kestra-init 0.", "Python ", "Docker: Engine", "Compose ", "Kestra: 1.1.0"):
        assert fact in report, fact
    for title in (
        "Docker daemon reachable",
        ".env present and valid",
        "Kestra answers",
        "Login in .env accepted",
        "Kestra version as pinned",
        "Memory for the stack",
    ):
        assert f"| {title} |" in report, title
    assert "| FAIL | Login in .env accepted |" in report and "**fix:**" in report
    assert "## Last" in report and "log lines of kestra" in report
    assert "password=[redacted]" in report or "[redacted]" in report
