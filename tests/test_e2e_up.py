"""End to end on a real Docker engine: new -> up -> status -> run -> up again -> down.

The project is made by `kestra-init new`; its own docker-compose.yml runs
(ports and .env interpolation, KESTRA_CONFIGURATION with the credentials,
healthchecks, depends_on service_healthy, volumes, restart policy), with a
compose override that swaps in stand-ins for the two images no registry can
give here: tests/fake_kestra.py for Kestra, a TCP listener for Postgres. A real
Kestra image cannot be had on these machines; these tests say so by running
the fake, never by skipping.
"""

from __future__ import annotations

import contextlib
import os
import pty
import queue
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback, json_data
from tests.standin.fixtures import NAMESPACE, StandinProject
from tests.standin.late_socket import LateSocket
from tests.standin.project import compose_down

CODESPACE = {
    "CODESPACES": "true",
    "CODESPACE_NAME": "kitest-space",
    "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
}


@pytest.mark.parametrize("standin_project", ["postgres", "h2"], indirect=True)
def test_new_up_status_run_up_again_down(standin_project: StandinProject, cli) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    postgres = project.database == "postgres"
    env = project.env
    # A fresh clone has no .env (it is git-ignored): `up` makes it.
    (project.root / ".env").unlink()

    first = cli("up", cwd=project.root, env=env)
    assert first.returncode == 0, first.stderr
    assert_no_traceback(first)
    dotenv = project.dotenv
    assert stat.S_IMODE((project.root / ".env").stat().st_mode) == 0o600
    password = dotenv["KESTRA_ADMIN_PASSWORD"]
    assert password not in first.stdout + first.stderr
    assert f"http://localhost:{project.ui_port}" in first.stdout
    assert "admin@example.com" in first.stdout and "KESTRA_ADMIN_PASSWORD" in first.stdout
    for stage in ("Containers running", "Kestra /health UP", "API answers"):
        assert stage in first.stderr
    assert ("Database healthy" in first.stderr) == postgres
    assert len(dotenv["KESTRA_ENCRYPTION_KEY"]) == 44  # 32 bytes in base64
    assert ".env created" in first.stderr
    assert "kestra running" in first.stdout and "ContainerState" not in first.stdout
    # The flows are on the server, exactly as written.
    flows = project.fake_flows()
    assert set(flows) == {"hello_world", "python_outputs", "kestra_api"}
    local = (project.root / "flows" / "hello_world.yml").read_text()
    assert flows["hello_world"].strip() == local.strip()
    for flow_id in flows:
        assert flow_id in first.stdout

    status = cli("status", "--json", cwd=project.root, env={**env, **CODESPACE})
    assert status.returncode == 0, status.stderr
    report = json_data(status.stdout, "status")
    assert report["running"] is True
    expected_services = {"postgres": "running", "kestra": "running"} if postgres else {}
    expected_services["kestra"] = "running"
    assert {s["service"]: s["state"] for s in report["services"]} == expected_services
    assert report["kestra"]["version"] == "1.1.0"  # what the fake answers on /api/v1/configs
    # Inside a codespace every URL a person opens is the forwarded one.
    assert report["kestra"]["ui_url"] == (f"https://kitest-space-{project.ui_port}.app.github.dev")
    assert {f["id"]: f["state"] for f in report["flows"]} == {
        "hello_world": "same",
        "python_outputs": "same",
        "kestra_api": "same",
    }

    ran = cli("run", f"{NAMESPACE}/hello_world", cwd=project.root, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "SUCCESS" in ran.stdout + ran.stderr

    logs = cli("logs", "kestra", cwd=project.root, env=env)
    assert logs.returncode == 0
    # Kestra ran as `server standalone` with the project's configuration accepted.
    assert "Kestra stand-in: server standalone" in logs.stdout
    assert "fake-kestra listening" in logs.stdout
    tail = cli("logs", "kestra", "--tail", "2", cwd=project.root, env=env)
    assert tail.returncode == 0 and len(tail.stdout.splitlines()) == 2
    recent = cli("logs", "kestra", "--since", "10m", "-n", "1", cwd=project.root, env=env)
    assert recent.returncode == 0 and len(recent.stdout.splitlines()) == 1, recent.stderr
    future = cli("logs", "kestra", "--since", "2999-01-01", cwd=project.root, env=env)
    assert future.returncode == 0 and future.stdout == "", future.stderr
    bad = cli("logs", "--since", "yesterday", cwd=project.root, env=env)
    assert bad.returncode == ExitCode.USAGE and "--since 10m" in bad.stderr
    # Followed like `docker compose logs -f`, ended by Ctrl-C, a supervisor or a hang-up.
    for flag, ending in (
        ("--follow", signal.SIGINT),
        ("-f", signal.SIGTERM),
        ("-f", signal.SIGHUP),
    ):
        assert_follow_shows_new_lines(project, env, flag=flag, ending=ending)

    before = project.containers()
    again = cli("up", cwd=project.root, env=env)
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    assert "unchanged" in again.stdout
    assert project.containers() == before  # same containers, same start times: no restart
    # The heap `up` fitted is in .env, so plain Compose agrees and recreates nothing.
    heap = project.dotenv["KESTRA_JAVA_OPTS"]
    assert heap.startswith("-Xmx") and heap.endswith("m")
    inspected = subprocess.run(
        ["docker", "inspect", "--format", "{{json .Config.Env}}", before["kestra"]["id"]],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"JAVA_OPTS={heap}" in inspected.stdout
    subprocess.run(
        ["docker", "compose", "up", "-d"],
        cwd=project.root,
        env={**os.environ, **env},
        capture_output=True,
        check=True,
    )
    assert project.containers() == before

    down = cli("down", cwd=project.root, env=env)
    assert down.returncode == 0, down.stderr
    assert project.containers() == {}
    kept = project.volumes()
    assert kept and "down --volumes" in down.stdout

    stopped = cli("status", cwd=project.root, env=env)
    assert stopped.returncode == 0
    assert "not created" in stopped.stdout and "not compared" in stopped.stdout

    wiped = cli("down", "--volumes", "--yes", cwd=project.root, env=env)
    assert wiped.returncode == 0, wiped.stderr
    assert project.volumes() == []


def test_up_with_the_override_as_compose_file_options_and_no_sync(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    result = cli(
        "up",
        "--compose-file",
        project.root / "docker-compose.yml",
        "-f",
        project.root / "standin.yml",
        "--no-sync",
        "--json",
        cwd=project.root / "flows",  # from a sub-folder, as git does
    )
    assert result.returncode == 0, result.stderr
    summary = json_data(result.stdout, "up")
    assert summary["sync"] is None and summary["was_running"] is False
    assert [s["stage"] for s in summary["stages"]] == ["database", "containers", "health", "api"]
    assert project.fake_flows() == {}  # --no-sync loads nothing
    assert project.dotenv["KESTRA_ADMIN_PASSWORD"] not in result.stdout + result.stderr
    assert summary["password_location"].endswith(".env (KESTRA_ADMIN_PASSWORD)")


def test_smoke_runs_hello_world_to_success(standin_project: StandinProject, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("up", "--smoke", cwd=standin_project.root, env=standin_project.env)
    assert result.returncode == 0, result.stderr
    assert "Smoke test" in result.stdout and "SUCCESS" in result.stdout


def test_down_volumes_without_a_terminal_needs_yes_and_deletes_nothing(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    assert cli("up", "--no-sync", cwd=project.root, env=project.env).returncode == 0
    refused = cli("down", "--volumes", cwd=project.root, env=project.env, input="")
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert_no_traceback(refused)
    assert len(project.containers()) == 2 and project.volumes()


def test_down_volumes_declined_at_the_prompt_changes_nothing_and_exits_0(
    standin_project: StandinProject,
) -> None:
    project = standin_project
    env = {**os.environ, **project.env, "NO_COLOR": "1", "TERM": "dumb"}
    up = subprocess.run(
        [sys.executable, "-m", "kestra_init", "up", "--no-sync"],
        cwd=project.root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    # A person at a terminal answers "n": a choice, not a mistake.
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")  # typed ahead; the terminal holds it for the prompt
        declined = subprocess.run(
            [sys.executable, "-m", "kestra_init", "down", "--volumes"],
            cwd=project.root, env=env, stdin=terminal, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(terminal)
        os.close(controller)
    assert declined.returncode == ExitCode.OK, declined.stdout + declined.stderr
    assert_no_traceback(declined)
    assert "Delete them?" in declined.stderr  # it did ask
    assert "Nothing was stopped or deleted" in declined.stdout
    assert len(project.containers()) == 2 and project.volumes()


def test_up_starts_a_stopped_stack_again(standin_project: StandinProject, cli) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    assert cli("up", "--no-sync", cwd=project.root, env=project.env).returncode == 0
    subprocess.run(
        ["docker", "compose", "stop"], cwd=project.root, env={**os.environ, **project.env},
        check=True, capture_output=True,
    )  # fmt: skip
    assert {c["state"] for c in project.containers().values()} == {"exited"}
    again = cli("up", "--no-sync", cwd=project.root, env=project.env)
    assert again.returncode == 0, again.stderr
    assert {c["state"] for c in project.containers().values()} == {"running"}


def test_compose_project_name_is_honoured_by_every_command(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    other = f"{project.slug}-alt"
    env = {**project.env, "COMPOSE_PROJECT_NAME": other}
    try:
        up = cli("up", "--no-sync", cwd=project.root, env=env)
        assert up.returncode == 0, up.stderr
        assert f"Stack     {other}:" in up.stdout
        assert project.containers() == {}  # nothing under the file's own name
        status = json_data(cli("status", "--json", cwd=project.root, env=env).stdout, "status")
        assert status["project"] == other and status["running"]
        down = cli("down", "--volumes", "--yes", cwd=project.root, env=env)
        assert down.returncode == 0 and f"of '{other}'" in down.stdout
    finally:
        compose_down(other, project.root)


def assert_follow_shows_new_lines(
    project: StandinProject,
    env: dict[str, str],
    *,
    flag: str = "--follow",
    ending: signal.Signals = signal.SIGINT,
) -> None:
    """`logs --follow` prints lines written after it started, until Ctrl-C (or SIGTERM,
    SIGHUP), and then leaves no `docker compose logs` process behind."""
    # A test run started as a shell's background job inherits an ignored SIGINT,
    # which a child would inherit too; a user's terminal gives kestra-init the
    # default one. A Python handler here is reset to the default in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        follower = subprocess.Popen(
            [sys.executable, "-m", "kestra_init", "logs", "kestra", flag, "--tail", "0"],
            cwd=project.root,
            # faulthandler: if it ever hangs, SIGABRT makes it print where each thread is.
            env={**os.environ, **env, "PYTHONFAULTHANDLER": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so teardown can end all of it
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    lines: queue.Queue[str] = queue.Queue()
    assert follower.stdout is not None
    reader = threading.Thread(target=_pump, args=(follower.stdout, lines), daemon=True)
    reader.start()
    try:
        time.sleep(2)  # let it attach
        project.fake_flows()  # a request the fake writes a log line for
        # Other lines come too (a healthcheck's /health every few seconds): read until
        # the expected one, for at most 20 s, so a silent follower fails, never hangs.
        seen = _read_until(lines, "/_fake/flows", deadline=time.monotonic() + 20)
        assert any("/_fake/flows" in line for line in seen), seen
        assert _compose_logs_processes(project.root)  # what is checked below is there now
        follower.send_signal(ending)  # SIGINT: what Ctrl-C sends kestra-init
        try:
            follower.wait(timeout=20)
        except subprocess.TimeoutExpired:
            follower.send_signal(signal.SIGABRT)
            _, stderr = follower.communicate(timeout=20)
            pytest.fail(f"`logs {flag}` did not stop on {ending.name}; its threads:\n{stderr}")
        assert follower.returncode == 130
        # Compose's own `logs --follow` ended with it (it used to run on, orphaned).
        assert _compose_logs_processes(project.root) == []
    finally:
        if follower.poll() is None or _compose_logs_processes(project.root):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(follower.pid, signal.SIGKILL)
            follower.wait(timeout=20)
    reader.join(timeout=5)
    assert follower.stderr is not None
    assert "Traceback" not in follower.stderr.read()


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _read_until(lines: queue.Queue[str], text: str, *, deadline: float) -> list[str]:
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            break
        if text in seen[-1]:
            break
    return seen


def _compose_logs_processes(project_dir: Path) -> list[str]:
    """Command lines of running `docker compose ... logs` processes for ``project_dir``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile
        words = [word.decode(errors="replace") for word in argv if word]
        if state != "Z" and "compose" in words and "logs" in words and str(project_dir) in words:
            found.append(" ".join(words))
    return found


def test_up_in_a_copy_with_the_same_stack_name_leaves_the_original_alone(
    standin_project: StandinProject, cli, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    project = standin_project
    assert cli("up", "--no-sync", cwd=project.root, env=project.env).returncode == 0
    before = project.containers()
    # The same project made again in another folder (a copy, a second `new` with the
    # same name): a fresh clone without .env, so `up` would make new secrets.
    twin = tmp_path / "twin"
    shutil.copytree(project.root, twin)
    (twin / ".env").unlink()
    refused = cli("up", "--no-sync", cwd=twin, env=project.env)
    assert refused.returncode == ExitCode.ENVIRONMENT, refused.stdout + refused.stderr
    assert_no_traceback(refused)
    message = " ".join(refused.stderr.split())
    assert (
        f"The stack name '{project.slug}' is already used by the project in {project.root}"
        in message
    )
    assert f"kestra-init down -C {project.root}" in message
    assert project.containers() == before  # not recreated with the copy's secrets
    # Nor stopped, nor its data deleted, from the copy.
    for args in (("down",), ("down", "--volumes", "--yes")):
        kept = cli(*args, cwd=twin, env=project.env)
        assert kept.returncode == ExitCode.ENVIRONMENT, kept.stdout + kept.stderr
        assert f"kestra-init down -C {project.root}" in " ".join(kept.stderr.split())
    assert project.containers() == before and project.volumes()
    doctor = cli("doctor", "--json", cwd=twin, env=project.env)
    checks = {check["check"]: check for check in json_data(doctor.stdout, "doctor")["checks"]}
    assert doctor.returncode == ExitCode.FINDINGS
    assert checks["stack-name"]["status"] == "failed"


def test_up_says_when_a_running_stack_was_recreated_for_a_changed_env(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    assert cli("up", "--no-sync", cwd=project.root, env=project.env).returncode == 0
    env_file = project.root / ".env"
    env_file.write_text(env_file.read_text() + "EXTRA_SETTING=1\n")
    compose = (project.root / "docker-compose.yml").read_text()
    # A change Compose applies by recreating the Kestra container.
    (project.root / "docker-compose.yml").write_text(
        compose.replace("      SECRET_KESTRA_USERNAME:", "      ENV_EXTRA: ${EXTRA_SETTING}\n"
                        "      SECRET_KESTRA_USERNAME:", 1)
    )  # fmt: skip
    before = project.containers()
    changed = cli("up", "--no-sync", "--json", cwd=project.root, env=project.env)
    assert changed.returncode == 0, changed.stderr
    assert project.containers()["kestra"]["id"] != before["kestra"]["id"]
    assert json_data(changed.stdout, "up")["was_running"] is False
    again = cli("up", "--no-sync", "--json", cwd=project.root, env=project.env)
    assert json_data(again.stdout, "up")["was_running"] is True


def test_up_in_a_codespace_waits_for_a_docker_daemon_that_starts_late(
    standin_project: StandinProject, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """docker-in-docker's dockerd answers seconds after postStartCommand starts `up`."""
    project = standin_project
    socket_path = tmp_path / "late" / "docker.sock"
    socket_path.parent.mkdir()
    env = {**project.env, **CODESPACE, "DOCKER_HOST": f"unix://{socket_path}"}
    with LateSocket(socket_path, delay=3.0):
        result = cli("up", "--no-sync", cwd=project.root, env=env)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert "Waiting for Docker to start" in result.stderr
    assert "Docker answered" in result.stderr
    assert "Kestra /health UP" in result.stderr
    assert project.containers()["kestra"]["state"] == "running"


def test_up_with_a_broken_flow_names_it_in_the_headline(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    (project.root / "flows" / "broken.yml").write_text(
        "id: broken\nnamespace: kitest.e2e\ntasks:\n  - id: t\n"
    )
    result = cli("up", cwd=project.root, env=project.env)
    assert result.returncode == ExitCode.FINDINGS, result.stdout + result.stderr
    assert_no_traceback(result)
    headline = result.stdout.splitlines()[0]
    assert headline == "Kestra is up; 1 flow file not loaded: flows/broken.yml", headline
    assert "up and ready" not in result.stdout
    assert set(project.fake_flows()) == {"hello_world", "python_outputs", "kestra_api"}


def test_ctrl_c_during_up_says_what_runs_and_what_to_run_next(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    project.override(kestra_args=["--startup-delay", "120"])  # Kestra never gets ready in time
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "kestra_init", "up"],
            cwd=project.root,
            env={**os.environ, **project.env, "NO_COLOR": "1", "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a process group, as a terminal's Ctrl-C reaches
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if project.containers().get("kestra", {}).get("state") == "running":
                break
            time.sleep(0.5)
        time.sleep(1)  # `up` now waits for /health
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    text = " ".join(stderr.split())
    assert "`kestra-init up` was interrupted while starting the stack" in text
    assert "Still running:" in text and "kestra" in text
    assert "kestra-init down" in text and "kestra-init up" in text
