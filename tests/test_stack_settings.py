"""The stack's settings and preflight rules that need no Docker engine.

Which compose files and project name are used, what `compose config` and
`compose ps` say, the rules for .env, who holds a port, and the codespace checks.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kestra_init.check_result import Status
from kestra_init.codespaces.checks import (
    check_docker_in_docker,
    check_port_forwarded,
    parse_jsonc,
)
from kestra_init.errors import UsageError
from kestra_init.project import Project
from kestra_init.project.checks import check_env_file, check_flow_secrets, env_problems
from kestra_init.project.envfile import write_env
from kestra_init.stack import ports
from kestra_init.stack.checks import check_compose, check_memory, check_stack_name
from kestra_init.stack.compose import resolve_settings
from kestra_init.stack.engine import EngineInfo, parse_version
from kestra_init.stack.model import parse_config, parse_ps
from tests.helpers import posix_only

GOOD_ENV = {
    "KESTRA_PORT": "8080",
    "KESTRA_MANAGEMENT_PORT": "8081",
    "KESTRA_ADMIN_EMAIL": "admin@example.com",
    "KESTRA_ADMIN_PASSWORD": "Admin1234",
    "POSTGRES_PASSWORD": "secret",
}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "flows").mkdir()
    return Project(tmp_path, environ={})


# Compose files and project name -----------------------------------------------------
def test_default_is_the_project_file_plus_compose_s_override_file(project: Project) -> None:
    assert resolve_settings(project, environ={}).files == (project.compose_path,)
    override = project.root / "docker-compose.override.yml"
    override.write_text("services: {}\n")
    assert resolve_settings(project, environ={}).files == (project.compose_path, override)


def test_compose_file_option_wins_and_is_read_from_the_current_folder(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "extra.yml").write_text("services: {}\n")
    monkeypatch.chdir(other)
    settings = resolve_settings(
        project, [Path("extra.yml")], environ={"COMPOSE_FILE": "ignored.yml"}
    )
    assert settings.files == ((other / "extra.yml").resolve(),)
    assert settings.project_dir == project.root


def test_compose_file_variable_is_split_and_read_from_the_project(project: Project) -> None:
    (project.root / "standin.yml").write_text("services: {}\n")
    settings = resolve_settings(
        project,
        environ={"COMPOSE_FILE": "docker-compose.yml:standin.yml", "COMPOSE_PROJECT_NAME": "p1"},
    )
    assert settings.files == (project.compose_path, (project.root / "standin.yml").resolve())
    assert settings.project_name == "p1"


def test_compose_variables_in_dotenv_are_honoured_like_compose_does(project: Project) -> None:
    (project.root / "b.yml").write_text("services: {}\n")
    write_env(
        project.env_path,
        {
            "COMPOSE_FILE": "docker-compose.yml;b.yml",
            "COMPOSE_PATH_SEPARATOR": ";",
            "COMPOSE_PROJECT_NAME": "p2",
        },
    )
    fresh = Project(project.root, environ={})
    settings = resolve_settings(fresh, environ={})
    assert [p.name for p in settings.files] == ["docker-compose.yml", "b.yml"]
    assert settings.project_name == "p2"


def test_a_missing_compose_file_is_a_usage_error_naming_it(project: Project) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_settings(project, environ={"COMPOSE_FILE": "nope.yml"})
    assert "nope.yml" in caught.value.what and "COMPOSE_FILE" in caught.value.why


# What compose says ------------------------------------------------------------------
def test_compose_commands_we_run_ourselves_target_the_same_stack_as_python_on_whales(
    project: Project,
) -> None:
    # `ps`, `create` and `logs --follow` run `docker compose` directly; every other
    # call goes through python-on-whales. Both must name the same files, project
    # name and folder, or `up` would start one stack and watch another.
    from kestra_init.stack.compose import Stack

    override = project.root / "docker-compose.override.yml"
    override.write_text("services: {}\n")
    for environ in ({}, {"COMPOSE_PROJECT_NAME": "other-name"}):
        stack = Stack(resolve_settings(project, environ=environ))
        ours = stack._compose_command("ps")
        theirs = [str(part) for part in stack.client.compose.docker_compose_cmd] + ["ps"]
        assert Path(theirs[0]).name == ours[0] == "docker"
        assert ours[1:] == theirs[1:]
        assert ("other-name" in ours) == bool(environ)


# What `docker compose ps` says when a container it listed is removed before it
# inspects it: Compose recreating a container at that moment (`up` on a changed
# .env), which a real engine cannot be made to do on cue.
_PS_RACE = """#!/bin/sh
count=$(cat "$0.count" 2>/dev/null || echo 0)
echo $((count + 1)) > "$0.count"
if [ "$count" = 0 ]; then
  echo "Error response from daemon: No such container: 2a39e5d921af" >&2
  exit 1
fi
echo '{"Service": "kestra", "Name": "demo-kestra-1", "ID": "1", "State": "running"}'
"""


@posix_only
def test_a_container_removed_while_compose_lists_them_is_read_again_not_an_error(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kestra_init.stack.compose import Stack

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(_PS_RACE)
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    states = Stack(resolve_settings(project, environ={})).states()
    assert states["kestra"].running
    assert (bin_dir / "docker.count").read_text().strip() == "2"  # asked twice


def test_config_keeps_ports_healthchecks_and_volumes_but_no_environment() -> None:
    raw = {
        "name": "demo",
        "services": {
            "postgres": {
                "image": "postgres:17",
                "environment": {"POSTGRES_PASSWORD": "s3cret"},
                "healthcheck": {"test": ["CMD-SHELL", "pg_isready"]},
            },
            "kestra": {
                "image": "kestra/kestra:v1.3",
                "environment": {"KESTRA_CONFIGURATION": "password: s3cret"},
                "ports": [
                    {"target": 8080, "published": "9090", "host_ip": "127.0.0.1"},
                    {"target": 8081, "published": "9091"},
                ],
            },
        },
        "volumes": {"pg": {"name": "demo_pg"}, "ext": {"external": True, "name": "shared"}},
    }
    config = parse_config(raw)
    assert config.name == "demo"
    assert config.database_services == ("postgres",)
    assert config.kestra_service == "kestra"
    ui = config.published("kestra", 8080)
    assert ui is not None and (ui.published, ui.probe_host) == (9090, "127.0.0.1")
    management = config.published("kestra", 8081)
    assert management is not None and management.probe_host == "127.0.0.1"
    assert config.volumes == ("demo_pg",)
    assert "s3cret" not in repr(config)


def test_ps_reads_both_json_shapes_compose_has_used() -> None:
    row = {
        "Service": "kestra",
        "Name": "demo-kestra-1",
        "ID": "abc",
        "State": "running",
        "Health": "",
        "ExitCode": 0,
        "Publishers": [{"URL": "127.0.0.1", "TargetPort": 8080, "PublishedPort": 9090}],
    }
    for text in (json.dumps(row) + "\n", json.dumps([row])):
        state = parse_ps(text)["kestra"]
        assert state.ready and state.ports[0].published == 9090
    restarting = {**row, "State": "restarting", "Status": "Restarting (137) 1 second ago"}
    assert parse_ps(json.dumps(restarting))["kestra"].exit_code == 137
    unhealthy = parse_ps(json.dumps({**row, "Health": "unhealthy"}))["kestra"]
    assert unhealthy.running and not unhealthy.ready
    assert parse_ps("") == {}


def test_compose_versions_are_read_from_any_wording() -> None:
    assert parse_version("Docker Compose version v2.26.1") == (2, 26, 1)
    assert parse_version("2.26.1-4") == (2, 26, 1)
    assert parse_version("2.17") == (2, 17, 0)
    assert parse_version("unknown") is None


# .env ----------------------------------------------------------------------------------
def test_valid_env_has_no_problem() -> None:
    assert env_problems(GOOD_ENV, "postgres") == []
    h2 = {k: v for k, v in GOOD_ENV.items() if k != "POSTGRES_PASSWORD"}
    assert env_problems(h2, "h2") == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"KESTRA_ADMIN_EMAIL": "admin"}, "not an email"),
        ({"KESTRA_ADMIN_PASSWORD": "kestra"}, "upper-case"),
        ({"KESTRA_ADMIN_PASSWORD": ""}, "KESTRA_ADMIN_PASSWORD is missing"),
        ({"POSTGRES_PASSWORD": ""}, "POSTGRES_PASSWORD is missing"),
        ({"KESTRA_PORT": "70000"}, "not a port number"),
        ({"KESTRA_MANAGEMENT_PORT": "8080"}, "the same port"),
    ],
)
def test_each_env_problem_is_named(change: dict[str, str], words: str) -> None:
    problems = env_problems({**GOOD_ENV, **change}, "postgres")
    assert any(words in problem for problem in problems), problems


def test_env_check_fails_with_a_usage_error_and_passes_when_fixed(project: Project) -> None:
    missing = check_env_file(project)
    assert missing.failed and isinstance(missing.error, UsageError)
    assert "kestra-init up" in missing.fix
    write_env(project.env_path, {**GOOD_ENV, "KESTRA_ADMIN_PASSWORD": "short"})
    bad = check_env_file(Project(project.root, environ={}))
    assert bad.failed and "8 characters" in bad.detail
    write_env(project.env_path, GOOD_ENV)
    assert check_env_file(Project(project.root, environ={})).status is Status.PASSED


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_flow_secrets_that_no_longer_match_the_login_are_a_warning(project: Project) -> None:
    secrets = {
        "SECRET_KESTRA_USERNAME": _b64(GOOD_ENV["KESTRA_ADMIN_EMAIL"]),
        "SECRET_KESTRA_PASSWORD": _b64(GOOD_ENV["KESTRA_ADMIN_PASSWORD"]),
    }
    assert check_flow_secrets(project).status is Status.SKIPPED  # no .env yet
    write_env(project.env_path, {**GOOD_ENV, **secrets})
    assert check_flow_secrets(Project(project.root, environ={})).status is Status.PASSED
    # The password changed in .env as the README says, its base64 twin forgotten;
    # `echo` instead of `printf '%s'` adds a newline that secret() would keep.
    changed = {**GOOD_ENV, **secrets, "KESTRA_ADMIN_PASSWORD": "Changed1234"}
    changed["SECRET_KESTRA_USERNAME"] = _b64(GOOD_ENV["KESTRA_ADMIN_EMAIL"] + "\n")
    write_env(project.env_path, changed)
    result = check_flow_secrets(Project(project.root, environ={}))
    assert result.status is Status.WARNING
    assert "SECRET_KESTRA_PASSWORD is not KESTRA_ADMIN_PASSWORD in base64" in result.detail
    assert "SECRET_KESTRA_USERNAME is not KESTRA_ADMIN_EMAIL" in result.detail
    assert "Changed1234" not in result.detail + result.fix  # never the secret itself
    assert "base64" in result.fix
    write_env(project.env_path, {**GOOD_ENV, "SECRET_KESTRA_PASSWORD": "not base64!"})
    broken = check_flow_secrets(Project(project.root, environ={}))
    assert broken.status is Status.WARNING and "not valid base64" in broken.detail
    # A project without these variables (another template) has nothing to check.
    write_env(project.env_path, GOOD_ENV)
    assert check_flow_secrets(Project(project.root, environ={})).status is Status.SKIPPED


def test_containers_made_from_another_folder_fail_the_stack_name_check(tmp_path: Path) -> None:
    row = {
        "Service": "kestra",
        "Name": "demo-kestra-1",
        "ID": "abc",
        "State": "running",
        "Labels": "com.docker.compose.project=demo,com.docker.compose.project.config_files="
        "/a/docker-compose.yml,/a/x.yml,com.docker.compose.project.working_dir=/a/demo,"
        "com.docker.compose.service=kestra",
    }
    states = parse_ps(json.dumps(row))
    assert states["kestra"].working_dir == "/a/demo"
    other = check_stack_name("demo", tmp_path, states)
    assert other.failed and "/a/demo" in other.detail
    assert "docker compose -p demo down" in other.fix  # /a/demo does not exist here
    here = {**row, "Labels": f"com.docker.compose.project.working_dir={tmp_path}"}
    assert check_stack_name("demo", tmp_path, parse_ps(json.dumps(here))).status is Status.PASSED
    assert check_stack_name("demo", tmp_path, {}).status is Status.PASSED


def test_memory_below_what_kestra_needs_is_a_warning_not_a_failure() -> None:
    small = EngineInfo("20.10", 2 * 1024**3, 2, "vm")
    result = check_memory(small, "postgres")
    assert result.status is Status.WARNING and "2.0 GB" in result.detail and result.fix
    assert check_memory(EngineInfo("20.10", 16 * 1024**3, 4, "vm"), "postgres").status is (
        Status.PASSED
    )


# Ports --------------------------------------------------------------------------------
def test_a_listening_port_is_taken_and_its_process_is_named() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not ports.port_is_free(port, "127.0.0.1")
        assert not ports.port_is_free(port, "0.0.0.0")
        owner = ports.process_listening(port)
        assert owner is not None and owner.pid == os.getpid()
        assert "python" in owner.describe() and str(os.getpid()) in owner.describe()
    assert ports.port_is_free(port, "127.0.0.1")


def test_the_owner_of_a_port_is_named_by_program_and_pid_never_its_arguments(tmp_path) -> None:
    # A command line can hold a password; the message naming the owner is shown and shared.
    script = (
        "import socket, sys, time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "print(s.getsockname()[1], flush=True); time.sleep(30)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, "--password", "Hunter2Secret"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(child.stdout.readline())  # type: ignore[union-attr]
        owner = ports.process_listening(port)
        assert owner is not None and owner.pid == child.pid
        described = owner.describe()
        assert "python" in described and str(child.pid) in described
        assert "Hunter2Secret" not in described and "--password" not in described
    finally:
        child.kill()
        child.wait()


def test_docker_s_ports_column_is_read_with_ranges_and_ipv6() -> None:
    column = "127.0.0.1:8080->8080/tcp, 0.0.0.0:9000-9002->9000-9002/tcp, :::7000->7000/tcp"
    assert ports.published_ports(column) == {8080, 9000, 9001, 9002, 7000}
    assert ports.published_ports("5432/tcp") == set()


# Codespaces ----------------------------------------------------------------------------
def test_jsonc_comments_and_trailing_commas_are_accepted() -> None:
    text = '// head\n{\n  "a": "http://x//y", /* c */ "b": [1, 2,],\n}\n'
    assert parse_jsonc(text) == {"a": "http://x//y", "b": [1, 2]}


def test_the_ui_port_must_be_forwarded_by_the_devcontainer(project: Project) -> None:
    folder = project.root / ".devcontainer"
    folder.mkdir()
    (folder / "devcontainer.json").write_text('{\n  // ports\n  "forwardPorts": [8080],\n}\n')
    write_env(project.env_path, GOOD_ENV)
    assert check_port_forwarded(Project(project.root, environ={})).status is Status.PASSED
    write_env(project.env_path, {**GOOD_ENV, "KESTRA_PORT": "9090"})
    moved = check_port_forwarded(Project(project.root, environ={}))
    assert moved.failed and "9090" in moved.detail and "8080" in moved.detail
    assert "forwardPorts" in moved.fix


def test_docker_in_docker_is_recognised_by_a_dockerd_process(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "1").mkdir(parents=True)
    (proc / "1" / "comm").write_text("bash\n")
    result = check_docker_in_docker(proc)
    assert result.failed and "docker-in-docker" in result.fix
    (proc / "42").mkdir()
    (proc / "42" / "comm").write_text("dockerd\n")
    assert check_docker_in_docker(proc).status is Status.PASSED


def test_compose_older_than_what_we_use_fails_with_how_to_update() -> None:
    old = EngineInfo("20.10", 8 * 1024**3, 4, "vm", compose_version=(2, 12, 2))
    result = check_compose(old)
    assert result.failed and "2.12.2" in result.detail and "2.17.0" in result.detail
    assert result.error is not None and "Update Docker Desktop" in result.error.fix
    recent = EngineInfo("27.3", 8 * 1024**3, 4, "vm", compose_version=(2, 29, 7))
    assert check_compose(recent).status is Status.PASSED
