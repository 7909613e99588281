"""`run` checks before it starts, says what each task gave, and lets go cleanly on Ctrl-C.

Also `attach`, and a sync interrupted part-way. Against the fake Kestra over
real HTTP; the interrupts send a real SIGINT to the command's process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.connection import Connection
from kestra_init.kestra.inputs import value_problem
from kestra_init.kestra.models import FlowInput
from tests.helpers import (
    assert_no_traceback,
    json_data,
    make_api_project,
    posix_only,
    read_envelope,
)
from tests.sync_helpers import flow, write

TYPED = """id: typed
namespace: demo
inputs:
  - id: name
    type: STRING
  - id: count
    type: INT
    defaults: 1
  - id: ratio
    type: FLOAT
    required: false
  - id: dry
    type: BOOLEAN
    defaults: false
  - id: day
    type: DATE
    required: false
  - id: at
    type: DATETIME
    required: false
  - id: color
    type: SELECT
    values: [red, green]
    required: false
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
"""

WITH_OUTPUTS = """id: outputs
namespace: demo
tasks:
  - id: answer
    type: io.kestra.plugin.core.debug.Return
    format: forty-two
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.answer.value }}"
afterExecution:
  - id: goodbye
    type: io.kestra.plugin.core.log.Log
    message: said after the end
"""

SLEEPY = """id: sleepy
namespace: demo
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
"""


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-i", "nme=Ada"], "`nme` is not an input of demo/typed (did you mean `name`?)"),
        ([], "required input `name` not given"),
        (["-i", "name=Ada", "-i", "count=many"], "`count` (INT) takes a whole number"),
        (["-i", "name=Ada", "-i", "ratio=1,5"], "`ratio` (FLOAT) takes a number"),
        (["-i", "name=Ada", "-i", "dry=yes"], "`dry` (BOOLEAN) takes true or false, not 'yes'"),
        (["-i", "name=Ada", "-i", "day=2024-1-31"], "`day` (DATE) takes a date"),
        (["-i", "name=Ada", "-i", "at=2024-01-31T09:00"], "`at` (DATETIME) takes a date and time"),
        (["-i", "name=Ada", "-i", "color=blue"], "`color` (SELECT) must be one of red, green"),
    ],
)
def test_inputs_are_checked_before_anything_starts(cli, fake_kestra, tmp_path, args, words):
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(TYPED)
    result = cli("run", "demo/typed", *args, cwd=project)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    assert words in one_line(result.stderr)
    assert fake_kestra.executions() == []
    assert_no_traceback(result)


def test_good_inputs_start_the_run(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(TYPED)
    args = ["-i", "name=Ada", "-i", "dry=TRUE", "-i", "at=2024-01-31T09:00:00Z", "-i", "color=red"]
    result = cli("run", "demo/typed", *args, cwd=project)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "Hello Ada" in result.stderr


def test_value_checks_follow_kestras_parsers() -> None:
    whole = FlowInput("n", "INT")
    assert value_problem(whole, "+12") == "" and value_problem(whole, "1.0")
    assert value_problem(whole, str(2**31))  # beyond Java's int
    assert value_problem(FlowInput("d", "DURATION"), "PT5M") == ""
    assert value_problem(FlowInput("d", "DURATION"), "5m")
    assert value_problem(FlowInput("a", "ARRAY"), '["a", "b"]') == ""
    assert value_problem(FlowInput("a", "ARRAY"), "a,b")
    free = FlowInput("s", "SELECT", values=("a",), custom_values=True)
    assert value_problem(free, "anything") == ""


def test_a_flow_that_is_not_there_is_bad_input_with_a_suggestion(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(flow("hello_world"))
    typo = cli("run", "demo/hello_wrld", cwd=project)
    assert typo.returncode == ExitCode.USAGE
    assert "There is no flow demo/hello_wrld" in one_line(typo.stderr)
    assert "Did you mean demo/hello_world?" in one_line(typo.stderr)
    wrong_namespace = cli("run", "dmeo/hello_world", cwd=project)
    assert "Did you mean demo/hello_world?" in one_line(wrong_namespace.stderr)
    write(project / "flows", "fresh.yml", flow("fresh"))
    not_loaded = cli("run", "demo/fresh", cwd=project)
    assert not_loaded.returncode == ExitCode.USAGE
    assert "kestra-init sync" in one_line(not_loaded.stderr)


def test_the_result_has_each_tasks_outputs_the_flows_outputs_and_the_last_logs(
    cli, fake_kestra, tmp_path
):
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(WITH_OUTPUTS)
    text = cli("run", "demo/outputs", cwd=project)
    assert text.returncode == ExitCode.OK, text.stderr
    assert "answer" in text.stdout and '{"value": "forty-two"}' in text.stdout
    assert "result: forty-two" in text.stdout
    # afterExecution's line comes after the state turned terminal: run waits for `end`.
    assert "said after the end" in text.stderr
    data = json_data(cli("run", "demo/outputs", "--json", cwd=project).stdout, "run")
    assert data["outputs"] == {"result": "forty-two"}
    (task, goodbye) = data["task_runs"]
    assert task["outputs"] == {"value": "forty-two"} and task["duration_seconds"] >= 0
    assert goodbye["task_id"] == "goodbye"
    assert any(entry["message"] == "said after the end" for entry in data["logs"])


def test_resubmitted_is_an_end(fake_kestra) -> None:
    from kestra_init.kestra.client import KestraClient
    from kestra_init.services.follow import start_and_follow

    fake_kestra.put_flow(SLEEPY)
    connection = Connection(fake_kestra.url, fake_kestra.username, fake_kestra.password)
    with KestraClient(connection) as client:
        seen = []

        def resubmit(update) -> None:  # type: ignore[no-untyped-def]
            seen.append(update.execution.state)
            if len(seen) == 1:
                fake_kestra.stop_execution(update.execution.id, final="RESUBMITTED")

        result = start_and_follow(client, connection, "demo", "sleepy", on_update=resubmit)
    assert result.execution.state == "RESUBMITTED"
    assert result.exit_code is ExitCode.FINDINGS


def spawn(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "kestra_init", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@posix_only  # Windows sends no SIGINT to another process (only console events)
def test_ctrl_c_during_run_leaves_the_execution_and_says_how_to_attach(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    fake_kestra.put_flow(SLEEPY)
    process = spawn(["run", "demo/sleepy"], project)
    wait_for(lambda: fake_kestra.executions())
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    (execution,) = fake_kestra.executions()
    assert f"kestra-init attach {execution.id}" in one_line(stderr)
    assert execution.state_at(time.time()) == "RUNNING"  # left running on the server
    assert "Traceback" not in stderr
    # attach follows it again, to its end.
    fake_kestra.stop_execution(execution.id, final="SUCCESS")
    attached = cli("attach", execution.id, cwd=project)
    assert attached.returncode == ExitCode.OK, attached.stderr
    assert "ended in SUCCESS" in attached.stdout


def test_attach_to_an_unknown_execution_is_bad_input(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    result = cli("attach", "nosuchexecution", "--json", cwd=project)
    assert result.returncode == ExitCode.USAGE
    error = read_envelope(result.stdout, "attach")["error"]
    assert "There is no execution nosuchexecution" in error["what"]


@posix_only
def test_ctrl_c_during_sync_says_what_was_applied(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    for namespace in ("alpha", "beta", "gamma", "delta", "omega"):
        write(project / "flows", f"{namespace}.yml", flow("x", namespace=namespace))
    # The writes of every namespace but alpha hang, as on a server that is slow to answer.
    fake_kestra.slow(r"/flows/(beta|gamma|delta|omega)$", 30, method="POST")
    process = spawn(["sync", "--json"], project)
    wait_for(lambda: ("alpha", "x") in fake_kestra.flows())
    time.sleep(1.0)  # the other namespaces' writes are under way (the fake holds them)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert time.monotonic() - started < 20  # bounded: it does not wait for the 30 s writes
    answer = read_envelope(stdout, "sync")
    assert answer["error"]["category"] == "interrupted"
    details = "\n".join(answer["error"]["details"])
    assert "applied     create  alpha.x" in details
    assert "NOT applied create  omega.x" in details  # never sent
    rows = {row["namespace"]: row for row in answer["data"]["flows"]}
    assert rows["alpha"]["outcome"] == "applied"
    assert rows["omega"]["outcome"] == "skipped"
    assert fake_kestra.count("POST", r"/flows/omega$") == 0
