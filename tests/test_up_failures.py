"""`up` when things go wrong, on a real engine: one clear error, the right exit code,
the failing service's log tail and a hint, never a traceback, nothing half-started
when a check fails first.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback
from tests.standin.fixtures import StandinProject
from tests.standin.image import HOST_PYTHON, IMAGE
from tests.standin.override import standin_override

# Enough for the stand-ins' database and containers to pass their stages, so the
# wait really ends at the /health stage: each of those gets half of it, and the
# database stage needs about 1.6 s here (Compose's start, a 1 s healthcheck).
NEVER_READY_TIMEOUT = 6


def test_a_port_held_by_a_process_is_named_and_nothing_starts(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", project.ui_port))
        holder.listen()
        result = cli("up", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    assert f"Port {project.ui_port} is already in use" in result.stderr
    assert "python" in result.stderr  # the process holding it, with its pid
    assert "KESTRA_PORT" in result.stderr
    assert project.containers() == {}


def test_a_port_held_by_a_container_names_the_container(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    name = f"kitest-holder-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "docker", "run", "-d", "--rm", "--name", name, "-v", "/usr:/usr:ro",
            "-p", f"127.0.0.1:{project.management_port}:9999",
            IMAGE, HOST_PYTHON, "-c", "import time; time.sleep(300)",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    try:
        result = cli("up", cwd=project.root, env=project.env)
        assert result.returncode == ExitCode.ENVIRONMENT
        assert_no_traceback(result)
        assert f"Port {project.management_port} is already in use" in result.stderr
        assert f"container '{name}'" in result.stderr
        assert f"docker stop {name}" in result.stderr
        assert "KESTRA_MANAGEMENT_PORT" in result.stderr
        assert project.containers() == {}

        doctor = cli("doctor", cwd=project.root, env=project.env)
        assert doctor.returncode == ExitCode.FINDINGS
        assert name in doctor.stdout and "FAIL" in doctor.stdout
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def test_an_unreachable_daemon_is_a_clear_environment_error(
    standin_project: StandinProject, cli, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    nobody = f"unix://{tmp_path / 'nobody.sock'}"
    env = {**standin_project.env, "DOCKER_HOST": nobody}
    for command in ("up", "status", "down", "logs"):
        result = cli(command, cwd=standin_project.root, env=env)
        assert result.returncode == ExitCode.ENVIRONMENT, (command, result.stderr)
        assert_no_traceback(result)
        assert "The Docker daemon is not reachable" in result.stderr, command
        assert "DOCKER_HOST" in result.stderr
    doctor = cli("doctor", "--json", cwd=standin_project.root, env=env)
    assert doctor.returncode == ExitCode.FINDINGS
    assert '"check": "docker-daemon"' in doctor.stdout and '"status": "failed"' in doctor.stdout


def test_a_kestra_that_never_gets_ready_times_out_with_its_log_tail(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    project.override(kestra_args=["--startup-delay", "600"])
    started = time.monotonic()
    result = cli("up", "--timeout", str(NEVER_READY_TIMEOUT), cwd=project.root, env=project.env)
    took = time.monotonic() - started
    assert result.returncode == ExitCode.TIMEOUT, result.stderr
    assert_no_traceback(result)
    # The database and container stages passed within their budgets; /health never came.
    assert "✓ Database healthy" in result.stderr and "✓ Containers running" in result.stderr
    assert "Kestra /health UP: not ready after" in result.stderr
    assert "log lines of 'kestra'" in result.stderr
    assert "Kestra stand-in: server standalone" in result.stderr  # the tail itself
    assert "--timeout" in result.stderr
    # The deadline held (the rest is Python and compose start-up).
    assert took < NEVER_READY_TIMEOUT + 15


def test_credentials_refused_is_explained_as_the_setup_page(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    # The server is started with credentials that break Kestra's rules, while .env is fine:
    # exactly what leaves Kestra on its setup page answering 401.
    project.override(kestra_args=["--username", "admin@example.com", "--password", "weak"])
    result = cli("up", "--timeout", "60", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.KESTRA
    assert_no_traceback(result)
    assert "setup page" in result.stderr
    assert "KESTRA_ADMIN_PASSWORD" in result.stderr


def test_a_database_volume_from_another_postgres_major_gets_its_hint(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    project.override(
        postgres_args=[
            "--fail-with",
            "FATAL:  database files are incompatible with server\nDETAIL:  The data directory "
            "was initialized by PostgreSQL version 16, which is not compatible with this "
            "version 17.6.",
        ]
    )
    result = cli("up", "--timeout", "60", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    assert "Postgres 16" in result.stderr and "postgres:16" in result.stderr
    assert "down --volumes" in result.stderr
    assert "log lines of 'postgres'" in result.stderr


def test_a_kestra_killed_with_exit_137_is_reported_as_killed_not_as_memory(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    project.override(kestra_args=["--exit-code", "137"])
    result = cli("up", "--timeout", "60", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    text = " ".join(result.stderr.split())
    assert "was killed (SIGKILL, exit code 137)" in text
    assert "ran out of memory" not in text  # nothing says it did


def test_a_kestra_whose_log_shows_out_of_memory_is_explained_as_memory(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    oom = "java.lang.OutOfMemoryError: Java heap space"
    project.override(kestra_args=["--say", oom, "--exit-code", "137"])
    result = cli("up", "--timeout", "60", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    text = " ".join(result.stderr.split())
    assert "ran out of memory (exit code 137) (its log shows it ran out of memory)" in text
    assert "database=h2" in text


@pytest.mark.parametrize("flag", [[], ["--pull"]])
def test_an_image_that_cannot_be_pulled_stops_before_anything_starts(
    standin_project: StandinProject, cli, flag: list[str]
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    override = standin_override()
    override["services"]["postgres"]["image"] = f"kitest-missing/postgres:{uuid.uuid4().hex[:6]}"
    del override["services"]["postgres"]["pull_policy"]
    (project.root / "standin.yml").write_text(yaml.safe_dump(override))
    result = cli("up", *flag, cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    assert "could not pull" in result.stderr.lower() or "could not reach" in result.stderr
    assert project.containers() == {}


def test_an_env_that_breaks_kestra_s_rules_stops_before_docker_starts_anything(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    env_file = project.root / ".env"
    password = project.dotenv["KESTRA_ADMIN_PASSWORD"]
    env_file.write_text(env_file.read_text().replace(password, "kestra"))
    result = cli("up", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "KESTRA_ADMIN_PASSWORD" in result.stderr and "upper-case" in result.stderr
    assert project.containers() == {}


def test_a_broken_compose_override_is_reported_with_compose_s_words(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    (project.root / "standin.yml").write_text("services:\n  kestra:\n    depends_on: [nothere]\n")
    result = cli("up", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    assert "docker compose could not read the compose configuration" in result.stderr
    assert "nothere" in result.stderr
    assert project.containers() == {}
