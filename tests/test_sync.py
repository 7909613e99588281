"""`kestra-init sync` against the fake Kestra, over real HTTP.

The domain function ``sync_flows`` is exercised directly for plans, request
counts and failures; a few end-to-end runs of the installed command check what
a person sees (table, summary, exit codes, no traceback).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kestra_init.errors import KestraApiError, KestraAuthError, KestraUnreachable
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.source_text import comparable, identify
from kestra_init.kestra.client import KestraClient
from kestra_init.kestra.connection import Connection
from kestra_init.services.local_flows import read_local_flows
from kestra_init.services.sync.plan import Action, plan_sync
from kestra_init.services.sync.results import Outcome
from tests.fake_kestra import free_port
from tests.helpers import (
    assert_no_traceback,
    json_data,
    make_api_project,
    read_envelope,
    run_at_a_terminal,
)
from tests.sync_helpers import client_for, flow, sync_folder, write


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    return folder


make_project = make_api_project


def outcome_of(result, flow_id: str):
    (row,) = [r for r in result.flows if r.id == flow_id]
    return row


# Plans ---------------------------------------------------------------------------------
def test_plan_and_apply_create_update_unchanged(fake_kestra, flows_dir) -> None:
    fake_kestra.put_flow(flow("same"))
    fake_kestra.put_flow(flow("changed", message="old"))
    fake_kestra.put_flow(flow("extra"))
    write(flows_dir, "same.yaml", flow("same"))
    write(flows_dir, "changed.yaml", flow("changed", message="new"))
    write(flows_dir, "fresh.yml", flow("fresh"))
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    actions = {r.id: (r.action, r.outcome) for r in result.flows}
    assert actions == {
        "same": (Action.UNCHANGED, Outcome.SKIPPED),
        "changed": (Action.UPDATE, Outcome.APPLIED),
        "fresh": (Action.CREATE, Outcome.APPLIED),
        # Only on the server: shown in every plan, kept without --prune.
        "extra": (Action.SERVER_ONLY, Outcome.SKIPPED),
    }
    stored = fake_kestra.flows()
    assert stored[("demo", "same")].revision == 1
    assert stored[("demo", "changed")].revision == 2
    assert stored[("demo", "changed")].source == flow("changed", message="new").strip()
    assert ("demo", "extra") in stored  # no --prune: nothing is deleted
    assert result.exit_code is ExitCode.OK
    assert outcome_of(result, "changed").revision == 2
    assert outcome_of(result, "fresh").path == flows_dir / "fresh.yml"


def test_prune_deletes_only_in_the_projects_namespaces_after_confirmation(
    fake_kestra, flows_dir
) -> None:
    for source in (flow("keep"), flow("gone"), flow("other", namespace="elsewhere"),
                   flow("child", namespace="demo.sub")):  # fmt: skip
        fake_kestra.put_flow(source)
    write(flows_dir, "keep.yaml", flow("keep"))
    asked = []

    def refuse(entries):
        asked.append([(e.namespace, e.id) for e in entries])
        return False

    write(flows_dir, "fresh.yaml", flow("fresh"))
    with client_for(fake_kestra) as client:
        declined = sync_folder(client, flows_dir, prune=True, confirm=refuse)
    assert asked == [[("demo", "gone")]]
    assert declined.declined and declined.exit_code is ExitCode.OK
    assert outcome_of(declined, "gone").outcome is Outcome.SKIPPED
    # A "no" writes nothing at all: not the deletes, nor the creates planned with them.
    assert outcome_of(declined, "fresh").outcome is Outcome.SKIPPED
    assert fake_kestra.writes() == []
    (flows_dir / "fresh.yaml").unlink()

    with client_for(fake_kestra) as client:
        accepted = sync_folder(client, flows_dir, prune=True, confirm=lambda entries: True)
    assert outcome_of(accepted, "gone").action is Action.DELETE
    assert outcome_of(accepted, "gone").outcome is Outcome.APPLIED
    assert sorted(fake_kestra.flows()) == [
        ("demo", "keep"),
        ("demo.sub", "child"),
        ("elsewhere", "other"),
    ]


def test_dry_run_writes_nothing(fake_kestra, flows_dir) -> None:
    fake_kestra.put_flow(flow("gone"))
    write(flows_dir, "a.yaml", flow("a"))
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir, prune=True, dry_run=True)
    assert {r.id: (r.action, r.outcome) for r in result.flows} == {
        "a": (Action.CREATE, Outcome.PLANNED),
        "gone": (Action.DELETE, Outcome.PLANNED),
    }
    assert fake_kestra.writes() == []
    assert list(fake_kestra.flows()) == [("demo", "gone")]


def test_equality_ignores_surrounding_whitespace_and_a_revision_line() -> None:
    assert comparable("\n" + flow("a") + "\n\n") == comparable(flow("a").strip())
    assert comparable("revision: 3\n" + flow("a")) == comparable(flow("a"))
    assert comparable(flow("a")) != comparable(flow("a").replace("tasks:", "tasks: "))


def test_a_flow_stored_with_a_trailing_newline_is_unchanged(fake_kestra, flows_dir) -> None:
    fake_kestra.put_flow(flow("a") + "\n\n")  # e.g. created with curl from a file
    write(flows_dir, "a.yaml", flow("a"))
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    assert outcome_of(result, "a").action is Action.UNCHANGED
    assert fake_kestra.writes() == []


def test_identify_reads_quoted_and_unusual_headers() -> None:
    assert identify(flow("a")) == ("demo", "a")
    assert identify("id: \"my-flow\"\nnamespace: 'team.x'\ntasks: []\n") == ("team.x", "my-flow")
    assert identify("namespace: n\n# comment\nid: 2024 # a year\ntasks: []\n") == ("n", "2024")


def test_files_that_are_not_flows_are_reported_and_the_rest_synced(fake_kestra, flows_dir) -> None:
    write(flows_dir, "good.yaml", flow("good"))
    write(flows_dir, "broken.yaml", "id: x\nnamespace: demo\ntasks:\n  - id: [unclosed\n")
    write(flows_dir, "notes.yml", "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n")
    write(flows_dir, "multi.yaml", flow("one") + "---\n" + flow("two"))
    write(flows_dir, "dupe.yaml", flow("good"))
    local, problems = read_local_flows([flows_dir])
    assert sorted(f.id for f in local) == ["good", "one", "two"]
    assert {f.id: f.line for f in local}["two"] == 9
    assert not any(p.skipped for p in problems)
    messages = {p.path.name: p.message for p in problems}
    assert "Invalid YAML" in messages["broken.yaml"]
    assert "no id and namespace" in messages["notes.yml"]
    assert "again (first in" in messages["good.yaml"]  # dupe.yaml sorts first
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    assert sorted(i for _, i in fake_kestra.flows()) == ["good", "one", "two"]
    assert result.exit_code is ExitCode.FINDINGS


NOT_FLOWS = {
    "compose.yaml": "services:\n  kestra:\n    image: kestra/kestra:v1.3\n",
    "app.yaml": "id: form\nnamespace: demo\ntype: io.kestra.plugin.ee.apps.Execution\n",
    "dashboard.yml": "title: Overview\ncharts:\n  - id: runs\n",
    "mapping.yml": "just: a mapping\n",
}


def test_yaml_that_is_not_a_flow_is_skipped_as_validate_skips_it(
    cli, fake_kestra, tmp_path
) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    write(project / "flows", "hello.yaml", flow("hello"))
    for name, text in NOT_FLOWS.items():
        write(project / "flows", name, text)

    validated = cli("validate", cwd=project)
    assert validated.returncode == ExitCode.OK, validated.stdout
    result = cli("sync", "--json", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    data = json_data(result.stdout, "sync")
    assert data["problems"] == []
    skipped = {Path(item["file"]).name: item["message"] for item in data["skipped"]}
    assert sorted(skipped) == sorted(NOT_FLOWS)
    assert "Docker Compose file" in skipped["compose.yaml"]
    assert "Kestra dashboard" in skipped["dashboard.yml"]
    assert sorted(fake_kestra.flows()) == [("demo", "hello")]  # the app was not sent as a flow

    text = cli("sync", cwd=project)
    assert text.returncode == ExitCode.OK
    assert "compose.yaml:1 Skipped: not a flow, it looks like a Docker Compose" in " ".join(
        text.stdout.split()
    )
    assert "Not synced" not in text.stdout and "problems" not in text.stdout


# Request counts -------------------------------------------------------------------------
def test_200_flows_in_4_namespaces_take_2_requests_per_namespace(fake_kestra, flows_dir) -> None:
    for number in range(200):
        namespace = f"team{number % 4}"
        write(flows_dir / namespace, f"f{number}.yaml", flow(f"f{number}", namespace))
    with client_for(fake_kestra) as client:
        first = sync_folder(client, flows_dir)
    assert first.counts()["create"] == 200 and not first.failed
    assert len(fake_kestra.requests) == 8  # 4 reads + 4 writes
    assert fake_kestra.count("POST", r"/flows/team\d$") == 4
    assert first.requests == 8

    fake_kestra.clear_requests()
    with client_for(fake_kestra) as client:
        second = sync_folder(client, flows_dir)
    assert second.counts()["unchanged"] == 200
    assert fake_kestra.writes() == []  # a second run writes nothing
    assert len(fake_kestra.requests) == 4


def test_a_flow_containing_triple_dash_goes_alone(fake_kestra, flows_dir) -> None:
    tricky = flow("tricky").replace(
        "message: hi", "message: |\n      ## Report\n      ---\n      done"
    )
    write(flows_dir, "tricky.yaml", tricky)
    write(flows_dir, "plain.yaml", flow("plain"))
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    assert not result.failed
    assert fake_kestra.count("POST", r"/flows/demo$") == 1  # the bulk write: plain only
    assert fake_kestra.count("POST", r"/flows$") == 1  # tricky, created on its own
    assert fake_kestra.flow_source("demo", "tricky") == tricky.strip()
    fake_kestra.clear_requests()
    with client_for(fake_kestra) as client:
        again = sync_folder(client, flows_dir)
    assert {r.action for r in again.flows} == {Action.UNCHANGED}
    assert fake_kestra.writes() == []


# Failures ----------------------------------------------------------------------------------
def test_transient_5xx_is_retried_then_the_sync_succeeds(fake_kestra, flows_dir) -> None:
    write(flows_dir, "a.yaml", flow("a"))
    fake_kestra.fail(r"/flows/demo$", status=503, times=2, method="POST")
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    assert outcome_of(result, "a").outcome is Outcome.APPLIED
    assert [r.status for r in fake_kestra.requests if r.method == "POST"] == [503, 503, 200]


def test_persistent_500_stops_and_lists_what_was_and_was_not_applied(
    fake_kestra, flows_dir
) -> None:
    write(flows_dir, "a.yaml", flow("a1", namespace="alpha"))
    for number in range(1, 6):
        write(flows_dir, f"b{number}.yaml", flow(f"b{number}", namespace=f"beta{number}"))
    fake_kestra.fail(r"/flows/beta\d$", status=500, times=None, method="POST",
                     body='{"message": "Internal Server Error: disk full"}')  # fmt: skip
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    error = result.error
    assert isinstance(error, KestraApiError) and error.status == 500
    assert "disk full" in str(error)
    assert outcome_of(result, "a1").outcome is Outcome.APPLIED
    # Four namespaces are written at once: the sixth starts only after a failure,
    # so it is never sent.
    assert outcome_of(result, "b5").outcome is Outcome.SKIPPED
    assert {outcome_of(result, f"b{n}").outcome for n in range(1, 5)} == {Outcome.FAILED}
    details = "\n".join(error.details)
    assert "applied     create  alpha.a1" in details
    assert "NOT applied create  beta1.b1" in details
    assert "NOT applied create  beta5.b5" in details
    assert "kestra-init sync" in error.fix
    assert list(fake_kestra.flows()) == [("alpha", "a1")]
    assert not fake_kestra.count("POST", r"/flows/beta5$")


def test_server_rejects_one_flow_of_five_and_the_rest_go_through(fake_kestra, flows_dir) -> None:
    for name in ("f1", "f2", "f3", "f5"):
        write(flows_dir, f"{name}.yaml", flow(name))
    bad = write(flows_dir, "f4.yaml", flow("f4").replace("io.kestra.plugin.core.log.Log", "Log"))
    with client_for(fake_kestra) as client:
        result = sync_folder(client, flows_dir)
    rejected = outcome_of(result, "f4")
    assert rejected.outcome is Outcome.FAILED
    assert rejected.path == bad
    assert "Invalid type: Log" in rejected.message
    assert sorted(i for _, i in fake_kestra.flows()) == ["f1", "f2", "f3", "f5"]
    assert result.exit_code is ExitCode.FINDINGS
    assert result.error is None


def test_wrong_credentials_fail_before_anything_is_written(fake_kestra, flows_dir) -> None:
    write(flows_dir, "a.yaml", flow("a"))
    with client_for(fake_kestra, password="Nope12345") as client, pytest.raises(KestraAuthError):
        sync_folder(client, flows_dir)
    assert fake_kestra.writes() == []


def test_server_down_is_unreachable(flows_dir) -> None:
    write(flows_dir, "a.yaml", flow("a"))
    connection = Connection(url=f"http://127.0.0.1:{free_port()}", username="a@b.io",
                            password="Admin1234")  # fmt: skip
    client = KestraClient(connection, retries=0)
    with client, pytest.raises(KestraUnreachable):
        sync_folder(client, flows_dir)


# Namespace files ----------------------------------------------------------------------------
def test_namespace_files_upload_only_what_changed(fake_kestra, tmp_path, flows_dir) -> None:
    files = tmp_path / "namespace-files"
    write(files / "demo", "scripts/etl.py", "print('etl')\n")
    write(files / "demo", "data/seed.csv", "a,b\n1,2\n")
    write(files / "demo", ".gitkeep", "")
    write(files / "demo", "_flows/x.yaml", flow("x"))
    with client_for(fake_kestra) as client:
        first = sync_folder(client, flows_dir, namespace_files_dir=files)
    assert fake_kestra.namespace_files("demo") == {
        "/scripts/etl.py": b"print('etl')\n",
        "/data/seed.csv": b"a,b\n1,2\n",
    }
    assert [p.path.name for p in first.problems] == ["x.yaml"]  # _flows/ is Kestra's
    fake_kestra.clear_requests()
    write(files / "demo", "scripts/etl.py", "print('etl v2')\n")
    with client_for(fake_kestra) as client:
        second = sync_folder(client, flows_dir, namespace_files_dir=files)
    changed = {r.path: r.action for r in second.files}
    assert changed == {"scripts/etl.py": Action.UPDATE, "data/seed.csv": Action.UNCHANGED}
    uploads = [r for r in fake_kestra.requests if r.method == "POST"]
    assert len(uploads) == 1 and "path=%2Fscripts%2Fetl.py" in uploads[0].query
    assert fake_kestra.namespace_files("demo")["/scripts/etl.py"] == b"print('etl v2')\n"


# The course's flows --------------------------------------------------------------------------
def test_every_course_flow_syncs_and_a_second_run_changes_nothing(
    fake_kestra, shared_dir, tmp_path
) -> None:
    course = tmp_path / "course"
    shutil.copytree(shared_dir / "corpus" / "flows" / "course", course)
    local, problems = read_local_flows([course])
    assert not problems and len(local) == 12
    with client_for(fake_kestra) as client:
        first = sync_folder(client, course)
    assert first.counts()["create"] == 12 and not first.failed, [
        (r.id, r.message) for r in first.failed
    ]
    for item in local:
        assert fake_kestra.flow_source(item.namespace, item.id) == item.source
    fake_kestra.clear_requests()
    with client_for(fake_kestra) as client:
        second = sync_folder(client, course)
    assert second.counts()["unchanged"] == 12
    assert fake_kestra.writes() == []


def test_a_file_saved_with_a_byte_order_mark_syncs_like_any_other(fake_kestra, flows_dir) -> None:
    # Windows editors may start a UTF-8 file with a BOM; in a namespace's bulk body
    # it would glue itself to the flow's first key.
    write(flows_dir, "a.yml", flow("a"))
    (flows_dir / "b.yml").write_bytes(b"\xef\xbb\xbf" + flow("b").replace("\n", "\r\n").encode())
    with client_for(fake_kestra) as client:
        first = sync_folder(client, flows_dir)
        assert {r.id: r.outcome for r in first.flows} == {
            "a": Outcome.APPLIED,
            "b": Outcome.APPLIED,
        }, [r.message for r in first.flows]
        assert not fake_kestra.flow_source("demo", "b").startswith("\ufeff")
        again = sync_folder(client, flows_dir)
    assert {r.action for r in again.flows} == {Action.UNCHANGED}


def test_plan_sync_is_a_pure_function_of_local_and_server(flows_dir) -> None:
    write(flows_dir, "a.yaml", flow("a"))
    local, _ = read_local_flows([flows_dir])
    server = {"demo": {"a": flow("a"), "b": flow("b")}}
    kept = plan_sync(local, server)
    assert [(e.id, e.action) for e in kept] == [("a", Action.UNCHANGED), ("b", Action.SERVER_ONLY)]
    pruned = plan_sync(local, server, prune=True)
    assert [(e.id, e.action) for e in pruned] == [("a", Action.UNCHANGED), ("b", Action.DELETE)]
    # A flow some file declares (held back for its errors) is never deleted.
    guarded = plan_sync(local, server, prune=True, declared={("demo", "b")})
    assert [(e.id, e.action) for e in guarded][1] == ("b", Action.SERVER_ONLY)


# The command, end to end ----------------------------------------------------------------------
def test_cli_sync_shows_a_table_then_says_everything_is_unchanged(
    cli, fake_kestra, tmp_path
) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    write(project / "flows", "hello.yaml", flow("hello"))
    first = cli("sync", cwd=project)
    assert first.returncode == ExitCode.OK, first.stderr
    assert "hello" in first.stdout and "create" in first.stdout and "applied" in first.stdout
    assert "Synced: 1 created" in first.stdout
    second = cli("sync", cwd=project)
    assert second.returncode == ExitCode.OK
    assert "Everything is unchanged: the server already has this one." in second.stdout
    assert fake_kestra.count("POST") == 1


def test_cli_sync_json_and_rejected_flow_exit_code(cli, fake_kestra, tmp_path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    write(project / "flows", "ok.yaml", flow("ok"))
    write(
        project / "flows", "bad.yaml", flow("bad").replace("io.kestra.plugin.core.log.Log", "Log")
    )
    # Checked first: the file with an error is held back, the rest applied.
    result = cli("sync", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS
    answer = read_envelope(result.stdout, "sync")
    data = answer["data"]
    rows = {row["id"]: row for row in data["flows"]}
    assert rows["ok"]["outcome"] == "applied"
    assert rows["bad"]["outcome"] == "held back"
    assert any(d["rule"] == "type-invalid" for d in data["diagnostics"]), data["diagnostics"]
    assert sorted(fake_kestra.flows()) == [("demo", "ok")]
    # Unchecked, it goes to the server, which refuses it with its own words.
    unchecked = cli("sync", "--json", "--no-validate", cwd=project)
    answer = read_envelope(unchecked.stdout, "sync")
    rows = {row["id"]: row for row in answer["data"]["flows"]}
    assert rows["bad"]["outcome"] == "failed" and "Invalid type" in rows["bad"]["message"]
    assert rows["bad"]["file"].endswith("bad.yaml")
    assert answer["exit_code"] == ExitCode.FINDINGS


def test_cli_prune_without_a_terminal_or_yes_writes_nothing(cli, fake_kestra, tmp_path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(flow("old"))
    write(project / "flows", "new.yaml", flow("new"))
    refused = cli("sync", "--prune", cwd=project, input="")
    assert refused.returncode == ExitCode.USAGE
    assert "--yes" in refused.stderr and "demo.old" in refused.stderr
    assert_no_traceback(refused)
    assert fake_kestra.writes() == []
    accepted = cli("sync", "--prune", "--yes", cwd=project)
    assert accepted.returncode == ExitCode.OK, accepted.stderr
    assert sorted(fake_kestra.flows()) == [("demo", "new")]


def test_cli_prune_declined_at_the_prompt_writes_nothing_and_exits_0(fake_kestra, tmp_path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    fake_kestra.put_flow(flow("old"))
    write(project / "flows", "new.yaml", flow("new"))
    declined = run_at_a_terminal(["sync", "--prune"], b"n\n", cwd=project)
    assert declined.returncode == ExitCode.OK, declined.stdout + declined.stderr
    assert_no_traceback(declined)
    assert "Delete them?" in declined.stderr  # it did ask
    assert "Nothing was written" in declined.stdout
    assert fake_kestra.writes() == []
    assert sorted(fake_kestra.flows()) == [("demo", "old")]


def test_cli_errors_are_one_paragraph_with_exit_4(cli, fake_kestra, tmp_path) -> None:
    project = make_project(tmp_path / "proj", fake_kestra)
    write(project / "flows", "a.yaml", flow("a"))
    wrong = cli("sync", "--password", "Wrong12345", cwd=project)
    assert wrong.returncode == ExitCode.KESTRA
    assert fake_kestra.username in wrong.stderr and "--password" in wrong.stderr
    assert "Wrong12345" not in wrong.stderr + wrong.stdout
    assert_no_traceback(wrong)
    down = cli("sync", "--server", f"http://127.0.0.1:{free_port()}", cwd=project)
    assert down.returncode == ExitCode.KESTRA
    assert "not reachable" in down.stderr and "kestra-init up" in down.stderr
    assert_no_traceback(down)


def test_outside_a_project_unreachable_kestra_says_how_to_name_a_server(cli, tmp_path) -> None:
    import socket

    with socket.socket() as probe:  # the tests' own servers use free ports, never 8080
        if probe.connect_ex(("127.0.0.1", 8080)) == 0:
            pytest.skip("something listens on localhost:8080 on this machine")
    result = cli("run", "company.team/hello", env={"KESTRA_URL": ""}, cwd=tmp_path)
    assert result.returncode == ExitCode.KESTRA
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "not reachable at http://localhost:8080" in message
    assert "--server URL (or KESTRA_URL)" in message
    assert "start the project's Kestra" not in message


def test_cli_persistent_500_exits_4_after_showing_what_was_applied(
    cli, fake_kestra_factory, tmp_path
) -> None:
    server = fake_kestra_factory()
    project = make_project(tmp_path / "proj", server)
    write(project / "flows", "a.yaml", flow("a", namespace="alpha"))
    write(project / "flows", "b.yaml", flow("b", namespace="beta"))
    server.fail(r"/flows/beta$", status=500, times=None, method="POST")
    result = cli("sync", cwd=project)
    assert result.returncode == ExitCode.KESTRA
    assert "applied" in result.stdout  # the table came first
    assert "NOT applied create  beta.b" in result.stderr
    assert_no_traceback(result)


def test_cli_sync_of_a_missing_path_is_a_usage_error(cli, tmp_path) -> None:
    result = cli("sync", tmp_path / "nope.yaml", cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "does not exist" in result.stderr
    assert_no_traceback(result)


def test_the_cli_modules_of_sync_and_run_do_not_load_httpx() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kestra_init.cli, kestra_init.kestra.connection, kestra_init.commands.sync, "
        "kestra_init.commands.run, kestra_init.output.sync, kestra_init.output.run, "
        "kestra_init.flows.server_validate; print('httpx' in sys.modules)"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert answer.stdout.strip() == "False", answer.stderr


@pytest.mark.parametrize("where", ["a folder of flows", "a project"])
def test_a_sync_with_nothing_changed_loads_no_linter_no_watcher_no_prompt(
    fake_kestra, tmp_path, where
) -> None:
    # What keeps an unchanged sync of 2,000 flows near 0.5 s (bench/bench_sync_scale.py):
    # nothing to send means nothing to parse (not even PyYAML is loaded); the watcher
    # and prompts are for other runs;
    # httpx's own command line (rich.progress, pygments) is never loaded (kestra/lean_httpx.py).
    import subprocess
    import sys

    flows_dir = tmp_path / "flows"
    for number in range(5):
        write(flows_dir, f"f{number}.yml", flow(f"f{number}"))
    paths = [str(flows_dir)]
    if where == "a project":  # its compose file and answers are YAML, read only to lint
        write(tmp_path, ".copier-answers.yml", "kestra_version: 1.3.4\nproject_name: probe\n")
        compose = "services:\n  kestra:\n    image: kestra/kestra:v1.3\n"
        write(tmp_path, "docker-compose.yml", compose)
        paths = []
    with client_for(fake_kestra) as client:
        assert sync_folder(client, flows_dir).exit_code is ExitCode.OK
    probe = (
        "import sys\n"
        f"sys.argv = ['kestra-init', 'sync', *{paths!r}, '--server', {fake_kestra.url!r}]\n"
        "from kestra_init.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "loaded = sorted(m for m in sys.modules if m in {'kestra_init.flows.lint', "
        "'kestra_init.services.watch', 'watchfiles', 'rich.prompt', 'rich.table', 'tomllib', "
        "'rich.progress', 'pygments', 'yaml'})\n"
        "print('LOADED', loaded, 'CODE', code)\n"
    )
    env = {
        **os.environ,
        "KESTRA_USERNAME": str(fake_kestra.username),
        "KESTRA_PASSWORD": str(fake_kestra.password),
    }
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=flows_dir, env=env
    )
    assert answer.stdout.strip().endswith("LOADED [] CODE 0"), answer.stdout + answer.stderr
