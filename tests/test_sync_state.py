"""What the last sync or pull recorded, and what `status` says with it.

`status` itself needs a Docker stack; its flow comparison (``compare_flows``)
runs here against the fake over real HTTP, and its text is rendered from a result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kestra_init.commands.status import FlowComparison, FlowStatus, StatusResult, compare_flows
from kestra_init.exit_codes import ExitCode
from kestra_init.project import Project
from kestra_init.services.sync_state import load_state, server_key, source_hash
from tests.helpers import make_api_project
from tests.sync_helpers import client_for, flow, write


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("http://localhost:8080", "http://127.0.0.1:8080"),
        ("http://LOCALHOST:8080/", "http://[::1]:8080"),
        ("https://kestra.example.com", "https://kestra.example.com:443"),
    ],
)
def test_one_server_has_one_name_however_its_url_is_spelled(one: str, other: str) -> None:
    assert server_key(one, "main") == server_key(other, "main")


def test_different_servers_and_tenants_have_different_names() -> None:
    names = {
        server_key("http://localhost:8080", "main"),
        server_key("http://localhost:8081", "main"),
        server_key("https://localhost:8080", "main"),
        server_key("http://localhost:8080", "other"),
        server_key("http://kestra.example.com:8080", "main"),
    }
    assert len(names) == 5


def test_sync_records_what_both_sides_hold_and_a_prune_forgets(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "flows", "b.yml", flow("b"))
    write(project / "namespace-files/demo", "x.txt", "x\n")
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    state = load_state(project, fake_kestra.url, "main")
    assert state.flow(("demo", "a")) is not None
    assert state.flow(("demo", "a")).sha256 == source_hash(flow("a"))  # type: ignore[union-attr]
    assert state.flow(("demo", "a")).revision == 1  # type: ignore[union-attr]
    assert state.file("demo", "x.txt") is not None
    (project / "flows/b.yml").unlink()
    assert cli("sync", "--prune", "--yes", "--no-validate", cwd=project).returncode == 0
    state = load_state(project, fake_kestra.url, "main")
    assert state.flow(("demo", "b")) is None and state.flow(("demo", "a")) is not None
    # A dry run records nothing.
    write(project / "flows", "a.yml", flow("a", message="planned only"))
    assert cli("sync", "--dry-run", "--no-validate", cwd=project).returncode == 0
    again = load_state(project, fake_kestra.url, "main").flow(("demo", "a"))
    assert again is not None and again.sha256 == source_hash(flow("a"))


def test_a_sync_that_changes_nothing_leaves_the_state_file_as_it_was(cli, fake_kestra, tmp_path):
    # Rewriting 2,000 records that did not change cost an unchanged sync 40 ms
    # (bench/bench_sync_scale.py --project); a file that is not written is also one
    # that a pull running beside it cannot lose an update to.
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "namespace-files/demo", "x.txt", "x\n")
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    state_file = project / ".kestra-init" / "state.json"
    before = state_file.stat()
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    after = state_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    write(project / "flows", "a.yml", flow("a", message="changed"))
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    recorded = load_state(project, fake_kestra.url, "main").flow(("demo", "a"))
    assert recorded is not None and recorded.sha256 == source_hash(flow("a", message="changed"))
    assert recorded.revision == 2


def test_status_tells_which_side_changed_since_the_last_sync(cli, fake_kestra, tmp_path):
    project_dir = make_api_project(tmp_path / "p", fake_kestra)
    names = ("same", "here", "there", "both", "unknown")
    for name in names[:4]:
        write(project_dir / "flows", f"{name}.yml", flow(name))
    assert cli("sync", "--no-validate", cwd=project_dir).returncode == ExitCode.OK
    write(project_dir / "flows", "here.yml", flow("here", message="edited here"))
    fake_kestra.put_flow(flow("there", message="edited in the UI"))
    fake_kestra.put_flow(flow("both", message="edited in the UI"))
    write(project_dir / "flows", "both.yml", flow("both", message="edited here"))
    # Never synced from here: nothing recorded says which side changed.
    write(project_dir / "flows", "unknown.yml", flow("unknown"))
    fake_kestra.put_flow(flow("unknown", message="elsewhere"))
    fake_kestra.put_flow(flow("ui_only"))
    with client_for(fake_kestra) as client:
        found = {f.id: f.state for f in compare_flows(Project(project_dir), client)}
    assert found == {
        "same": FlowComparison.SAME,
        "here": FlowComparison.CHANGED_HERE,
        "there": FlowComparison.CHANGED_ON_SERVER,
        "both": FlowComparison.CHANGED_BOTH,
        "unknown": FlowComparison.DIFFERS,
        "ui_only": FlowComparison.ONLY_SERVER,
    }


def test_status_points_at_pull_for_the_flows_changed_on_the_server(capsys, tmp_path) -> None:
    from kestra_init.output.status import render_text

    result = StatusResult(
        project_root=tmp_path,
        project_name="p",
        services=[],
        ui_url="http://localhost:8080",
        api_url="http://localhost:8080/api/v1/main",
        management_url=None,
        login_email=None,
        flows=[
            FlowStatus("demo", "a", FlowComparison.CHANGED_ON_SERVER, tmp_path / "flows/a.yml"),
            FlowStatus("demo", "b", FlowComparison.CHANGED_HERE, tmp_path / "flows/b.yml"),
            FlowStatus("demo", "c", FlowComparison.SAME, tmp_path / "flows/c.yml"),
        ],
    )
    render_text(result)
    text = " ".join(capsys.readouterr().out.split())
    assert "changed on server" in text
    assert "Changed on the server since the last sync or pull: demo/a;" in text
    assert "`kestra-init pull` brings them here" in text
    assert "`kestra-init sync` loads local changes" in text
    assert json.dumps(result.to_json())  # the JSON names the new states too
    assert result.to_json()["flows"][0]["state"] == "changed on server"


def test_a_broken_state_file_counts_as_empty_and_is_written_again(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    (project / ".kestra-init").mkdir()
    (project / ".kestra-init/state.json").write_text("{not json")
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    assert load_state(project, fake_kestra.url, "main").flow(("demo", "a")) is not None


@pytest.mark.parametrize("devcontainer", [True, False])
def test_the_devcontainer_project_has_a_sync_on_save_task(
    devcontainer: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kestra_init.commands.new import create_project

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "p"
    create_project(
        root,
        data=[f"devcontainer={str(devcontainer).lower()}", "project_slug=p"],
        defaults=True,
        git=False,
        interactive=False,
    )
    tasks = root / ".vscode/tasks.json"
    assert tasks.is_file() == devcontainer
    assert ".kestra-init/" in (root / ".gitignore").read_text().splitlines()
    readme = (root / "README.md").read_text()
    assert "`kestra-init sync --watch`" in readme and "`kestra-init pull`" in readme
    if not devcontainer:
        assert not (root / ".vscode").exists()
        return
    lines = [line for line in tasks.read_text().splitlines() if not line.strip().startswith("//")]
    document = json.loads("\n".join(lines))
    by_label = {task["label"]: task for task in document["tasks"]}
    watch = by_label["Kestra: sync on save"]
    assert watch["command"] == "kestra-init sync --watch" and watch["isBackground"] is True
    # The watch's diagnostic lines are what the problem matcher reads.
    pattern = re.compile(watch["problemMatcher"]["pattern"]["regexp"])
    line = "12:00:01 flows/a.yml:5:3: error yaml-syntax Invalid YAML: a bracket is not closed"
    found = pattern.match(line)
    assert found is not None
    assert found.groups() == (
        "flows/a.yml",
        "5",
        "3",
        "error",
        "yaml-syntax",
        "Invalid YAML: a bracket is not closed",
    )
    assert by_label["Kestra: pull changes made in the UI"]["command"] == "kestra-init pull"
