"""`kestra-init run` against the fake Kestra: following, exit codes, inputs, timeouts."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kestra_init.commands.run import parse_inputs, resolve_flow
from kestra_init.errors import DeadlineExceeded, UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.client import KestraClient
from kestra_init.kestra.connection import Connection
from kestra_init.services.follow import (
    STREAM_FAILURES_BEFORE_POLLING,
    STREAM_RETRY_PAUSE,
    start_and_follow,
)
from tests.helpers import (
    FAILING_FLOW,
    HELLO_FLOW,
    assert_no_traceback,
    json_data,
    make_api_project,
    read_envelope,
)

HELLO = HELLO_FLOW

BROKEN = FAILING_FLOW

SLEEPY = """id: sleepy
namespace: demo
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
"""

WITH_FILE = """id: upload
namespace: demo
inputs:
  - id: data
    type: FILE
  - id: rows
    type: INT
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "got {{ inputs.rows }} rows"
"""


def connection_for(server) -> Connection:
    return Connection(
        url=server.url, username=server.username, password=server.password, local=False
    )


def follow(server, flow_id: str, **options):
    connection = connection_for(server)
    updates = []
    with KestraClient(connection, backoff=0.01) as client:
        result = start_and_follow(
            client, connection, "demo", flow_id, on_update=updates.append, **options
        )
    return result, updates


make_project = make_api_project


# Final states and exit codes --------------------------------------------------------------
def test_success_follows_task_states_and_logs(fake_kestra) -> None:
    fake_kestra.put_flow(HELLO)
    result, updates = follow(fake_kestra, "hello", inputs={"name": "Ada"})
    assert result.execution.state == "SUCCESS"
    assert result.exit_code is ExitCode.OK
    assert [run.task_id for run in result.execution.task_runs] == ["greet", "bye"]
    assert [entry.message for entry in result.logs] == ["Hello, Ada!", "Bye"]
    seen = {update.execution.state for update in updates}
    assert {"RUNNING", "SUCCESS"} <= seen
    assert fake_kestra.count("GET", r"/follow$") >= 1  # followed through the SSE stream
    assert result.link.endswith(f"/ui/main/executions/demo/hello/{result.execution.id}")


def test_failure_exits_1_with_the_error_log(fake_kestra) -> None:
    fake_kestra.put_flow(BROKEN)
    result, _ = follow(fake_kestra, "broken")
    assert result.execution.state == "FAILED"
    assert result.exit_code is ExitCode.FINDINGS
    assert result.logs[-1].level == "ERROR"
    assert result.logs[-1].message == "it broke"


def test_warning_killed_and_cancelled_have_their_own_exit_codes(fake_kestra) -> None:
    fake_kestra.put_flow(BROKEN.replace("errorMessage:", "allowFailure: true\n    errorMessage:"))
    warned, _ = follow(fake_kestra, "broken")
    assert (warned.execution.state, warned.exit_code) == ("WARNING", ExitCode.RUN_WARNING)

    fake_kestra.put_flow(SLEEPY)
    for final, code in (("KILLED", ExitCode.RUN_KILLED), ("CANCELLED", ExitCode.RUN_CANCELLED)):

        def stop_it(final: str = final) -> None:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                running = [
                    e
                    for e in fake_kestra.executions()
                    if e.flow_id == "sleepy" and e.state_at(time.time()) == "RUNNING"
                ]
                if running:
                    fake_kestra.stop_execution(running[0].id, final)
                    return
                time.sleep(0.05)

        stopper = threading.Thread(target=stop_it)
        stopper.start()
        result, _ = follow(fake_kestra, "sleepy", timeout=20)
        stopper.join()
        assert (result.execution.state, result.exit_code) == (final, code)


def test_timeout_stops_waiting_but_not_the_execution(fake_kestra) -> None:
    fake_kestra.put_flow(SLEEPY)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        follow(fake_kestra, "sleepy", timeout=1)
    assert time.monotonic() - started < 5
    assert "did not end within 1 s" in caught.value.what
    assert "/ui/main/executions/demo/sleepy/" in caught.value.fix
    (execution,) = fake_kestra.executions()
    assert execution.state_at(time.time()) == "RUNNING"


# Following: SSE, its fallbacks ------------------------------------------------------------------
def test_polling_takes_over_when_the_server_has_no_follow_stream(fake_kestra) -> None:
    fake_kestra.put_flow(HELLO)
    fake_kestra.fail(r"/follow$", status=404, times=None)
    result, _ = follow(fake_kestra, "hello")
    assert result.execution.state == "SUCCESS"
    assert fake_kestra.count("GET", r"/executions/[^/]+$") >= 1
    assert [entry.message for entry in result.logs] == ["Hello, World!", "Bye"]


def test_a_dropped_stream_is_reopened(fake_kestra) -> None:
    fake_kestra.put_flow(HELLO)
    fake_kestra.drop(r"/follow$", times=1)
    result, _ = follow(fake_kestra, "hello")
    assert result.execution.state == "SUCCESS"
    assert fake_kestra.count("GET", r"/follow$") == 2


def test_a_malformed_event_is_skipped_not_a_crash(fake_kestra) -> None:
    fake_kestra.put_flow(HELLO)
    # A 200 stream whose only event's data is cut mid-JSON (a proxy, a server bug).
    fake_kestra.fail(r"/follow$", status=200, body='id: progress\ndata: {"state": "RUN\n\n')
    result, _ = follow(fake_kestra, "hello")
    assert result.execution.state == "SUCCESS"
    assert result.exit_code is ExitCode.OK


def test_streams_that_close_without_events_fall_back_to_polling(fake_kestra) -> None:
    fake_kestra.put_flow(HELLO)
    # Every stream answers 200 and closes at once: without counting those as
    # failures, run would re-open it in a hot loop and never see the end.
    fake_kestra.fail(r"/follow$", status=200, body="", times=None)
    started = time.monotonic()
    result, _ = follow(fake_kestra, "hello", timeout=20)  # a hot loop ends in a timeout
    assert result.execution.state == "SUCCESS"
    assert fake_kestra.count("GET", r"/follow$") == STREAM_FAILURES_BEFORE_POLLING
    assert fake_kestra.count("GET", r"/executions/[^/]+$") >= 1  # polled
    # It paused between attempts (a hot loop would take milliseconds).
    assert time.monotonic() - started >= STREAM_RETRY_PAUSE * 3


def test_logs_of_a_long_task_show_before_it_ends(fake_kestra_factory) -> None:
    # Logs land a little after the task starts, so only the re-opened quiet stream
    # (every few seconds) can bring them while the task still runs.
    server = fake_kestra_factory(task_seconds=4.0, log_delay=0.5)
    server.put_flow(HELLO.split("  - id: bye")[0])
    result, updates = follow(server, "hello")
    first_log = next(i for i, u in enumerate(updates) if u.new_logs)
    assert updates[first_log].execution.state == "RUNNING"
    assert [e.message for e in updates[first_log].new_logs] == ["Hello, World!"]
    assert result.execution.state == "SUCCESS"


def test_the_error_line_of_a_failed_run_is_waited_for(fake_kestra_factory) -> None:
    server = fake_kestra_factory(log_delay=0.3)
    server.put_flow(BROKEN)
    result, _ = follow(server, "broken")
    assert result.execution.state == "FAILED"
    assert result.logs[-1].message == "it broke"


# Inputs ----------------------------------------------------------------------------------------
def test_parse_inputs_values_files_and_mistakes(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("a,b\n")
    fields, files = parse_inputs(["name=Ada", "expr=x=1", f"data=@{data}", "at=@@home"])
    assert fields == {"name": "Ada", "expr": "x=1", "at": "@home"}
    assert files == {"data": ("rows.csv", b"a,b\n")}
    with pytest.raises(UsageError, match="not KEY=VALUE"):
        parse_inputs(["name"])
    with pytest.raises(UsageError, match="given twice"):
        parse_inputs(["a=1", "a=2"])
    with pytest.raises(UsageError, match="cannot be read"):
        parse_inputs([f"data=@{tmp_path / 'missing.csv'}"])


def test_file_and_typed_inputs_reach_the_server(fake_kestra) -> None:
    fake_kestra.put_flow(WITH_FILE)
    result, _ = follow(
        fake_kestra, "upload", inputs={"rows": "42"}, files={"data": ("x.csv", b"a\n1\n")}
    )
    assert result.execution.state == "SUCCESS"
    assert result.execution.inputs["rows"] == 42
    assert result.execution.inputs["data"].endswith("/inputs/data/x.csv")
    assert result.logs[0].message == "got 42 rows"


def test_a_missing_required_input_is_a_usage_error(fake_kestra) -> None:
    fake_kestra.put_flow(WITH_FILE)
    with pytest.raises(UsageError) as caught:
        follow(fake_kestra, "upload", inputs={"rows": "3"})
    assert "missing required input" in caught.value.why
    assert not fake_kestra.executions()


# Which flow ------------------------------------------------------------------------------------
def test_the_id_alone_is_resolved_or_said_to_be_ambiguous(fake_kestra, tmp_path: Path) -> None:
    fake_kestra.put_flow(HELLO)
    fake_kestra.put_flow(HELLO.replace("namespace: demo", "namespace: other"))
    fake_kestra.put_flow(BROKEN)
    with KestraClient(connection_for(fake_kestra)) as client:
        assert resolve_flow(client, None, "demo/hello") == ("demo", "hello")
        assert resolve_flow(client, None, "broken") == ("demo", "broken")
        with pytest.raises(UsageError, match="2 namespaces") as caught:
            resolve_flow(client, None, "hello")
        assert "demo/hello, other/hello" in caught.value.why
        with pytest.raises(UsageError, match="no flow with id nope"):
            resolve_flow(client, None, "nope")
        # The project's own files settle it without asking the server.
        project_dir = tmp_path / "proj"
        (project_dir / "flows").mkdir(parents=True)
        (project_dir / "docker-compose.yml").write_text("services: {}\n")
        (project_dir / "flows" / "hello.yaml").write_text(HELLO)
        from kestra_init.project import Project

        fake_kestra.clear_requests()
        assert resolve_flow(client, Project(project_dir), "hello") == ("demo", "hello")
        assert fake_kestra.requests == []


# The command, end to end ------------------------------------------------------------------------
def test_cli_run_success_and_failure_exit_codes(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    (project / "flows" / "hello.yaml").write_text(HELLO)
    fake_kestra.put_flow(HELLO)
    fake_kestra.put_flow(BROKEN)
    ok = cli("run", "hello", "--input", "name=Ada", cwd=project)
    assert ok.returncode == ExitCode.OK, ok.stderr
    assert "Hello, Ada!" in ok.stderr  # logs as they come, on stderr
    assert "ended in SUCCESS" in ok.stdout
    assert f"http://localhost:{fake_kestra.port}/ui/main/executions/demo/hello/" in ok.stdout
    failed = cli("run", "demo/broken", cwd=project)
    assert failed.returncode == ExitCode.FINDINGS
    assert "it broke" in failed.stderr
    assert "ended in FAILED" in failed.stdout
    assert_no_traceback(failed)


def test_cli_no_wait_prints_only_the_execution_id(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(SLEEPY)
    started = cli("run", "demo/sleepy", "--no-wait", cwd=project)
    assert started.returncode == ExitCode.OK
    (execution,) = fake_kestra.executions()
    assert started.stdout.strip() == execution.id
    as_json = cli("run", "demo/sleepy", "--no-wait", "--json", cwd=project)
    data = json_data(as_json.stdout, "run")
    assert data["waited"] is False and data["state"] in ("CREATED", "RUNNING")


def test_cli_timeout_exits_5_and_json_reports_the_final_state(
    cli, fake_kestra, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(SLEEPY)
    fake_kestra.put_flow(BROKEN)
    timed_out = cli("run", "demo/sleepy", "--timeout", "1", cwd=project)
    assert timed_out.returncode == ExitCode.TIMEOUT
    assert "--timeout" in timed_out.stderr
    assert_no_traceback(timed_out)
    as_json = cli("run", "demo/broken", "--json", cwd=project)
    assert as_json.returncode == ExitCode.FINDINGS
    answer = read_envelope(as_json.stdout, "run")
    data = answer["data"]
    assert data["state"] == "FAILED" and answer["exit_code"] == ExitCode.FINDINGS
    assert [t["task_id"] for t in data["task_runs"]] == ["first", "boom"]


def test_cli_unknown_flow_and_bad_input(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(WITH_FILE)
    missing = cli("run", "demo/uplaod", cwd=project)
    assert missing.returncode == ExitCode.USAGE  # bad input, not Kestra failing
    assert "Did you mean demo/upload?" in " ".join(missing.stderr.split())
    (tmp_path / "rows.csv").write_text("a\n1\n")
    bad = cli(
        "run", "demo/upload", "-i", "rows=many", "-i", "data=@rows.csv", "-C", project, cwd=tmp_path
    )
    assert bad.returncode == ExitCode.USAGE
    assert "`rows` (INT) takes a whole number, not 'many'" in " ".join(bad.stderr.split())
    assert fake_kestra.executions() == []  # nothing was started
    for result in (missing, bad):
        assert_no_traceback(result)


def test_cli_link_uses_the_codespace_address(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(HELLO)
    codespace = {
        "CODESPACES": "true",
        "CODESPACE_NAME": "shiny-space",
        "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
    }
    result = cli("run", "demo/hello", cwd=project, env=codespace)
    assert result.returncode == ExitCode.OK, result.stderr
    assert (
        f"https://shiny-space-{fake_kestra.port}.app.github.dev/ui/main/executions/"
        in result.stdout
    )
