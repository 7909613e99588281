"""`sync --prune` can never delete a flow whose file is in the project.

A server flow is deleted only when its namespace is in scope, every flow file
was read and parsed, and no file declares it; `sync PATH --prune` with a path
narrower than the flows folder is refused. Checked one case at a time, then
with generated projects.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_init.errors import UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.kestra.connection import ConnectionFlags
from kestra_init.services.sync.plan import Action
from kestra_init.services.sync.results import Outcome
from tests.fake_kestra import FakeKestra
from tests.helpers import assert_no_traceback, json_data, make_api_project
from tests.sync_helpers import flow, write


def project_with(fake: FakeKestra, root: Path, files: dict[str, str]) -> Path:
    project = make_api_project(root, fake)
    for name, text in files.items():
        write(project / "flows", name, text)
    return project


def test_a_path_narrower_than_the_flows_folder_refuses_to_prune(cli, fake_kestra, tmp_path):
    files = {"hello_world.yml": flow("hello_world"), "a.yml": flow("a"), "b.yml": flow("b")}
    project = project_with(fake_kestra, tmp_path / "p", files)
    for text in files.values():
        fake_kestra.put_flow(text)
    result = cli("sync", "flows/hello_world.yml", "--prune", "--yes", cwd=project)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    assert "--prune needs the whole flows/ folder" in " ".join(result.stderr.split())
    assert sorted(fake_kestra.flows()) == [("demo", "a"), ("demo", "b"), ("demo", "hello_world")]
    assert fake_kestra.writes() == []
    # The whole folder, named or not, may prune.
    assert cli("sync", "flows", "--prune", "--yes", cwd=project).returncode == ExitCode.OK
    assert_no_traceback(result)


def test_a_file_that_does_not_parse_turns_pruning_off_and_says_so(cli, fake_kestra, tmp_path):
    project = project_with(
        fake_kestra,
        tmp_path / "p",
        {"good.yml": flow("good"), "typo.yml": flow("typo").replace("tasks:", "tasks: [")},
    )
    fake_kestra.put_flow(flow("typo"))  # the typo's flow, as it was before the edit
    fake_kestra.put_flow(flow("stale"))  # really only on the server
    result = cli("sync", "--prune", "--yes", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS, result.stdout
    data = json_data(result.stdout, "sync")
    assert "--prune deleted nothing" in data["prune_disabled"]
    assert "typo.yml" in data["prune_disabled"]
    rows = {row["id"]: row for row in data["flows"]}
    assert rows["good"]["outcome"] == "applied"  # the rest is still applied
    assert rows["stale"]["action"] == "only on server"
    assert ("demo", "typo") in fake_kestra.flows() and ("demo", "stale") in fake_kestra.flows()
    text = cli("sync", "--prune", "--yes", cwd=project)
    assert "--prune deleted nothing" in " ".join(text.stdout.split())


def test_a_flow_held_back_for_its_errors_is_never_pruned(cli, fake_kestra, tmp_path):
    broken = flow("kept").replace("io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.log.Lgo")
    project = project_with(fake_kestra, tmp_path / "p", {"kept.yml": broken})
    fake_kestra.put_flow(flow("kept"))
    fake_kestra.put_flow(flow("gone"))
    result = cli("sync", "--prune", "--yes", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS
    rows = {row["id"]: row for row in json_data(result.stdout, "sync")["flows"]}
    assert rows["kept"]["outcome"] == "held back"
    assert rows["gone"]["action"] == "delete" and rows["gone"]["outcome"] == "applied"
    assert sorted(fake_kestra.flows()) == [("demo", "kept")]


def test_deletes_come_first_with_their_count(cli, fake_kestra, tmp_path):
    project = project_with(fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    for name in ("x", "y"):
        fake_kestra.put_flow(flow(name))
    result = cli("sync", "--prune", "--dry-run", cwd=project)
    assert result.returncode == ExitCode.OK
    lines = result.stdout.splitlines()
    assert lines[0] == "2 flows to delete:"
    order = [line.split()[0] for line in lines if line.startswith("demo/")]
    assert order == ["demo/x", "demo/y", "demo/a"]


def test_server_only_flows_are_shown_without_prune(cli, fake_kestra, tmp_path):
    project = project_with(fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    fake_kestra.put_flow(flow("made_in_the_ui"))
    result = cli("sync", cwd=project)
    assert result.returncode == ExitCode.OK
    assert "demo/made_in_the_ui  only on server" in result.stdout
    assert "1 only on the server (kept)" in result.stdout
    assert ("demo", "made_in_the_ui") in fake_kestra.flows()


def test_dry_run_shows_a_diff_of_each_update(cli, fake_kestra, tmp_path):
    project = project_with(fake_kestra, tmp_path / "p", {"a.yml": flow("a", message="new")})
    fake_kestra.put_flow(flow("a", message="old"))
    result = cli("sync", "--dry-run", cwd=project)
    assert result.returncode == ExitCode.OK
    assert "-    message: old" in result.stdout and "+    message: new" in result.stdout
    assert "--- on the server" in result.stdout
    answer = json_data(cli("sync", "--dry-run", "--json", cwd=project).stdout, "sync")
    (row,) = answer["flows"]
    assert row["outcome"] == "planned" and "+    message: new" in row["diff"]
    assert fake_kestra.flow_source("demo", "a") == flow("a", message="old")  # untouched


def test_sync_holds_back_what_up_holds_back_and_no_validate_sends_it(cli, fake_kestra, tmp_path):
    localhost = flow("api").replace(
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n",
        "  - id: call\n    type: io.kestra.plugin.scripts.python.Script\n"
        "    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Docker\n"
        "    script: |\n      import requests\n      requests.get('http://localhost:8080')\n",
    )
    project = project_with(
        fake_kestra, tmp_path / "p", {"api.yml": localhost, "ok.yml": flow("ok")}
    )
    held = cli("sync", cwd=project)
    assert held.returncode == ExitCode.FINDINGS
    assert "docker-runner-localhost" in held.stdout and "held back" in held.stdout
    assert sorted(fake_kestra.flows()) == [("demo", "ok")]
    sent = cli("sync", "--no-validate", cwd=project)
    assert sent.returncode == ExitCode.OK, sent.stdout
    assert ("demo", "api") in fake_kestra.flows()


# Generated projects ----------------------------------------------------------------------
NAMESPACES = ("alpha", "beta", "alpha.child")


@st.composite
def projects(draw: st.DrawFn) -> dict[str, object]:
    """Flows spread over files (some with two), some files broken, extra server flows."""
    count = draw(st.integers(min_value=1, max_value=8))
    flows = [(draw(st.sampled_from(NAMESPACES)), f"f{number}") for number in range(count)]
    files: dict[str, list[tuple[str, str]]] = {}
    for key in flows:
        folder = draw(st.sampled_from(["", "sub/", "sub/deeper/"]))
        name = draw(st.sampled_from([f"{folder}one.yml", f"{folder}two.yaml", f"{key[1]}.yml"]))
        files.setdefault(name, []).append(key)
    broken = draw(st.sets(st.sampled_from(sorted(files)), max_size=2))
    extra = draw(st.sets(st.sampled_from([(ns, f"x{n}") for ns in NAMESPACES for n in range(2)])))
    path = draw(st.sampled_from(["", "flows", "flows/sub", "one"]))
    return {"files": files, "broken": broken, "extra": extra, "path": path}


def text_of(keys: list[tuple[str, str]], broken: bool) -> str:
    documents = [flow(flow_id, namespace) for namespace, flow_id in keys]
    if broken:  # a typo that breaks the YAML of the whole file
        documents[0] = documents[0].replace("tasks:", "tasks: [", 1)
    return "---\n".join(documents)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=projects())
def test_prune_never_deletes_a_flow_whose_file_is_in_the_project(
    tmp_path_factory: pytest.TempPathFactory, case: dict[str, object]
) -> None:
    from kestra_init.commands.sync import sync

    files = case["files"]
    broken = case["broken"]
    assert isinstance(files, dict) and isinstance(broken, set)
    with FakeKestra(quiet=True) as fake:
        root = tmp_path_factory.mktemp("prune")
        project = make_api_project(root, fake)
        declared = set()
        for name, keys in files.items():
            write(project / "flows", name, text_of(keys, name in broken))
            declared.update(keys)
            for namespace, flow_id in keys:
                fake.put_flow(flow(flow_id, namespace, message="on the server"))
        for namespace, flow_id in case["extra"]:  # type: ignore[attr-defined]
            fake.put_flow(flow(flow_id, namespace))
        path = str(case["path"])
        (project / "flows" / "sub").mkdir(parents=True, exist_ok=True)  # may hold no file
        chosen = [] if not path else [project / path]
        if path == "one":
            chosen = [project / "flows" / next(iter(files))]
        flags = ConnectionFlags(fake.url, fake.username, fake.password)
        try:
            result = sync(
                start=project, paths=chosen, connection_flags=flags, prune=True, confirm=None
            )
        except UsageError as error:
            assert "--prune needs the whole" in error.what  # a narrower path: refused
            deleted = set()
        else:
            deleted = {
                (row.namespace, row.id)
                for row in result.flows
                if row.action is Action.DELETE and row.outcome is Outcome.APPLIED
            }
            if broken:
                assert not deleted and result.prune_disabled
        stored = set(fake.flows())
        assert declared <= stored, f"deleted {declared - stored}"
        assert not deleted & declared
