"""`kestra-init pull`: the server's edits come back into the files, and nothing is lost.

Each test runs the real command in a subprocess against the fake Kestra over
HTTP; edits "in the UI" are flows stored on the fake directly (a new revision).
"""

from __future__ import annotations

from pathlib import Path

from kestra_init.exit_codes import ExitCode
from tests.fake_kestra import free_port
from tests.helpers import (
    as_permissions_apply,
    assert_no_traceback,
    json_data,
    make_api_project,
    posix_only,
    read_envelope,
    run_at_a_terminal,
)
from tests.sync_helpers import flow, write


def synced_project(cli, fake, root: Path, files: dict[str, str]) -> Path:
    """A project whose files were synced (so the state file knows what both sides held)."""
    project = make_api_project(root, fake)
    for name, text in files.items():
        write(project / "flows", name, text)
    synced = cli("sync", "--no-validate", cwd=project)
    assert synced.returncode == ExitCode.OK, synced.stdout + synced.stderr
    return project


def fingerprint(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


def test_a_file_that_is_behind_gets_the_servers_source_byte_for_byte(cli, fake_kestra, tmp_path):
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"hello.yml": flow("hello")})
    edited_in_ui = flow("hello", message="edited in the UI") + "# a comment the UI kept\n"
    fake_kestra.put_flow(edited_in_ui)
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    assert (project / "flows/hello.yml").read_bytes() == edited_in_ui.encode()
    assert "demo/hello" in result.stdout and "written" in result.stdout
    # Now the same on both sides: a second pull writes nothing, a sync sends nothing.
    before = fingerprint(project / "flows/hello.yml")
    again = cli("pull", "--json", cwd=project)
    assert json_data(again.stdout, "pull")["summary"]["written"] == 0
    assert fingerprint(project / "flows/hello.yml") == before
    fake_kestra.clear_requests()
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    assert fake_kestra.writes() == []


def test_a_file_behind_without_any_recorded_state_is_told_by_the_revisions(
    cli, fake_kestra, tmp_path
):
    """No state file (a fresh clone): the file equals revision 1, so it is simply behind."""
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    fake_kestra.put_flow(flow("a"))
    fake_kestra.put_flow(flow("a", message="revision two"))
    result = cli("pull", "--json", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout
    (row,) = json_data(result.stdout, "pull")["flows"]
    assert row["action"] == "update" and row["outcome"] == "written" and row["revision"] == 2
    assert "message: revision two" in (project / "flows/a.yml").read_text()
    assert fake_kestra.count("GET", r"/flows/demo/a/revisions$") == 1


def test_a_conflict_is_listed_with_its_diff_and_the_file_stays_byte_identical(
    cli, fake_kestra, tmp_path
):
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    fake_kestra.put_flow(flow("a", message="from the UI"))
    write(project / "flows", "a.yml", flow("a", message="from my editor"))
    before = fingerprint(project / "flows/a.yml")
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.FINDINGS, result.stdout + result.stderr
    assert fingerprint(project / "flows/a.yml") == before
    assert "conflict" in result.stdout
    assert "-    message: from my editor" in result.stdout
    assert "+    message: from the UI" in result.stdout
    assert "--force" in " ".join(result.stdout.split())
    assert_no_traceback(result)
    # --keep-both: the server's version beside the file, the file untouched.
    both = cli("pull", "--keep-both", cwd=project)
    assert both.returncode == ExitCode.OK, both.stdout
    assert fingerprint(project / "flows/a.yml") == before
    beside = project / "flows/a.yml.server"
    assert "message: from the UI" in beside.read_text()
    # A second --keep-both never overwrites the first copy.
    assert cli("pull", "--keep-both", cwd=project).returncode == ExitCode.OK
    assert (project / "flows/a.yml.server-2").is_file()
    # --force takes the server's version (no terminal here: it needs --yes).
    refused = cli("pull", "--force", cwd=project)
    assert refused.returncode == ExitCode.USAGE
    assert fingerprint(project / "flows/a.yml") == before
    forced = cli("pull", "--force", "--yes", cwd=project)
    assert forced.returncode == ExitCode.OK, forced.stdout
    assert (project / "flows/a.yml").read_text() == flow("a", message="from the UI")


def test_a_change_made_here_only_is_left_for_sync(cli, fake_kestra, tmp_path):
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    write(project / "flows", "a.yml", flow("a", message="not synced yet"))
    before = fingerprint(project / "flows/a.yml")
    result = cli("pull", "--json", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout
    (row,) = json_data(result.stdout, "pull")["flows"]
    assert row["action"] == "changed here" and "sync" in row["message"]
    assert fingerprint(project / "flows/a.yml") == before


def test_flows_only_on_the_server_get_new_files_never_over_an_existing_one(
    cli, fake_kestra, tmp_path
):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "team/kept.yml", flow("kept"))
    # A file named like the new flow's id, declaring something else entirely.
    squatter = write(project / "flows", "team/made_in_ui.yml", "# notes, not a flow\nkey: 1\n")
    squatted = fingerprint(squatter)
    fake_kestra.put_flow(flow("kept"))
    fake_kestra.put_flow(flow("made_in_ui", message="from a blueprint"))
    fake_kestra.put_flow(flow("other", namespace="elsewhere"))  # not the project's namespace
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    assert fingerprint(squatter) == squatted
    # Next to the namespace's other flows, named from the id (the first name was taken).
    created = project / "flows/team/demo.made_in_ui.yml"
    assert created.read_text() == flow("made_in_ui", message="from a blueprint")
    assert not list(project.rglob("other*.yml"))
    # Named namespaces are pulled too.
    named = cli("pull", "elsewhere", cwd=project)
    assert named.returncode == ExitCode.OK, named.stdout
    assert (project / "flows/other.yml").read_text() == flow("other", namespace="elsewhere")


def test_unchanged_files_are_not_touched(cli, fake_kestra, tmp_path):
    files = {f"f{n}.yml": flow(f"f{n}") for n in range(5)}
    project = synced_project(cli, fake_kestra, tmp_path / "p", files)
    fake_kestra.put_flow(flow("f0", message="changed"))
    before = {name: fingerprint(project / "flows" / name) for name in files}
    result = cli("pull", "--json", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout
    after = {name: fingerprint(project / "flows" / name) for name in files}
    assert [name for name in files if after[name] != before[name]] == ["f0.yml"]
    # No stray temporary file either.
    assert sorted(p.name for p in (project / "flows").iterdir()) == sorted(files)


def test_pull_never_writes_through_a_link_out_of_the_project(cli, fake_kestra, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "shared.yml"
    target.write_text(flow("linked"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "deep.yml").write_text(flow("deep"))
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    (project / "flows/linked.yml").symlink_to(target)  # a file that links out
    (project / "flows/sub").symlink_to(elsewhere, target_is_directory=True)  # a folder
    for flow_id in ("linked", "deep"):  # the files hold revision 1: they are behind
        fake_kestra.put_flow(flow(flow_id))
        fake_kestra.put_flow(flow(flow_id, message="edited in the UI"))
    before = fingerprint(target), fingerprint(elsewhere / "deep.yml")
    result = cli("pull", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS, result.stdout
    rows = {row["id"]: row for row in json_data(result.stdout, "pull")["flows"]}
    for flow_id in ("linked", "deep"):
        assert rows[flow_id]["action"] == "refused", rows[flow_id]
        assert "outside the project" in rows[flow_id]["message"]
    assert (fingerprint(target), fingerprint(elsewhere / "deep.yml")) == before
    assert sorted(p.name for p in outside.iterdir()) == ["shared.yml"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["deep.yml"]


def test_a_new_flow_is_never_created_through_a_linked_folder(cli, fake_kestra, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = make_api_project(tmp_path / "p", fake_kestra)
    (project / "flows/team").symlink_to(outside, target_is_directory=True)
    (outside / "kept.yml").write_text(flow("kept"))  # so the namespace's folder is the link
    fake_kestra.put_flow(flow("kept"))
    fake_kestra.put_flow(flow("fresh"))
    result = cli("pull", "--json", cwd=project)
    rows = {row["id"]: row for row in json_data(result.stdout, "pull")["flows"]}
    assert rows["fresh"]["action"] == "refused", rows
    assert sorted(p.name for p in outside.iterdir()) == ["kept.yml"]


def test_one_document_of_a_multi_flow_file_is_replaced_in_place(cli, fake_kestra, tmp_path):
    text = "# two flows\n" + flow("a") + "\n---\n" + flow("b") + "\n"
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"both.yml": text})
    fake_kestra.put_flow(flow("b", message="edited in the UI"))
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    edited = flow("b", message="edited in the UI")
    expected = "# two flows\n" + flow("a") + "\n---\n" + edited + "\n"
    assert (project / "flows/both.yml").read_text() == expected


def test_a_file_declaring_two_flows_changed_on_the_server_stops_the_pull(
    cli, fake_kestra, tmp_path
):
    text = flow("a") + "---\n" + flow("b")
    project = synced_project(
        cli, fake_kestra, tmp_path / "p", {"both.yml": text, "c.yml": flow("c")}
    )
    fake_kestra.put_flow(flow("a", message="ui"))
    fake_kestra.put_flow(flow("b", message="ui"))
    fake_kestra.put_flow(flow("c", message="ui"))
    before = {p.name: fingerprint(p) for p in (project / "flows").iterdir()}
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "both.yml declares 2 flows that changed on the server" in message
    assert "split the file" in message
    assert {p.name: fingerprint(p) for p in (project / "flows").iterdir()} == before
    assert_no_traceback(result)


def test_dry_run_shows_the_plan_and_writes_nothing(cli, fake_kestra, tmp_path):
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    fake_kestra.put_flow(flow("a", message="ui"))
    fake_kestra.put_flow(flow("new"))
    before = fingerprint(project / "flows/a.yml")
    result = cli("pull", "--dry-run", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout
    assert "Dry run, nothing was written" in result.stdout
    assert "+    message: ui" in result.stdout
    assert fingerprint(project / "flows/a.yml") == before
    assert not (project / "flows/new.yml").exists()


def test_namespace_files_come_back_too(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "namespace-files/demo/scripts", "behind.py", "print(1)\n")
    write(project / "namespace-files/demo/scripts", "mine.py", "print('mine')\n")
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    state = fake_kestra.state
    with state.lock:
        files = state.files["demo"]
        files["/scripts/behind.py"] = b"print(2)\n"  # edited in the UI
        files["/scripts/mine.py"] = b"print('theirs')\n"
        files["/data/new.csv"] = b"a,b\n1,2\n"
        files["/../escape.txt"] = b"never"
        files["/.hidden"] = b"never"
    write(project / "namespace-files/demo/scripts", "mine.py", "print('mine, edited')\n")
    result = cli("pull", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS, result.stdout
    rows = {row["path"]: row for row in json_data(result.stdout, "pull")["namespace_files"]}
    folder = project / "namespace-files/demo"
    assert (folder / "scripts/behind.py").read_bytes() == b"print(2)\n"
    assert (folder / "data/new.csv").read_bytes() == b"a,b\n1,2\n"
    assert rows["scripts/mine.py"]["action"] == "conflict"
    assert (folder / "scripts/mine.py").read_text() == "print('mine, edited')\n"
    # --keep-both: the server's copy beside it, hidden (sync never uploads hidden files).
    kept = cli("pull", "--keep-both", cwd=project)
    assert kept.returncode == ExitCode.FINDINGS  # the two refused names are still there
    assert (folder / "scripts/.mine.py.server").read_bytes() == b"print('theirs')\n"
    assert (folder / "scripts/mine.py").read_text() == "print('mine, edited')\n"
    assert rows["../escape.txt"]["action"] == "refused"
    assert rows[".hidden"]["action"] == "refused"
    assert not (project / "namespace-files/escape.txt").exists()
    assert not (folder / ".hidden").exists()


def test_outside_a_project_pull_says_so(cli, fake_kestra, tmp_path):
    result = cli("pull", "--server", fake_kestra.url, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "not inside a kestra-init project" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []
    assert_no_traceback(result)


@posix_only
def test_an_unreadable_flows_folder_stops_the_pull_before_any_write(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    locked = project / "flows/locked"
    write(locked, "x.yml", flow("x"))
    fake_kestra.put_flow(flow("x", message="ui"))
    fake_kestra.put_flow(flow("y"))
    locked.chmod(0)
    try:
        result = cli("pull", cwd=project, prefix=as_permissions_apply())
    finally:
        locked.chmod(0o755)
    assert result.returncode == ExitCode.ENVIRONMENT, result.stdout + result.stderr
    assert "cannot be read" in result.stderr
    assert not (project / "flows/y.yml").exists()


def test_an_unreadable_flow_file_stops_the_pull_before_any_write(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    # Not UTF-8: it cannot be read as a flow, whoever runs the test.
    (project / "flows/binary.yml").write_bytes(b"id: x\nnamespace: demo\n\xff\xfe\n")
    fake_kestra.put_flow(flow("y"))
    result = cli("pull", cwd=project)
    assert result.returncode == ExitCode.ENVIRONMENT, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "binary.yml cannot be read: nothing was pulled" in message
    assert not (project / "flows/y.yml").exists()
    assert_no_traceback(result)


def test_pull_refuses_force_with_keep_both_and_a_bad_namespace(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    both = cli("pull", "--force", "--keep-both", cwd=project)
    assert both.returncode == ExitCode.USAGE and "do not go together" in both.stderr
    bad = cli("pull", "Not/A/Namespace", cwd=project)
    assert bad.returncode == ExitCode.USAGE and "is not a namespace name" in bad.stderr


def test_at_a_terminal_pull_lists_what_it_writes_and_asks_first(fake_kestra, tmp_path, cli):
    project = synced_project(cli, fake_kestra, tmp_path / "p", {"a.yml": flow("a")})
    fake_kestra.put_flow(flow("a", message="from the UI"))
    before = fingerprint(project / "flows/a.yml")
    declined = run_at_a_terminal(["pull"], b"n\n", project)
    assert declined.returncode == ExitCode.OK, declined.stdout + declined.stderr
    assert "pull will write 1 file(s)" in declined.stderr
    assert "Nothing was written" in declined.stdout
    assert fingerprint(project / "flows/a.yml") == before
    accepted = run_at_a_terminal(["pull"], b"y\n", project)
    assert accepted.returncode == ExitCode.OK, accepted.stdout + accepted.stderr
    assert (project / "flows/a.yml").read_text() == flow("a", message="from the UI")


def test_pull_answers_one_envelope_for_success_and_failure(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    fake_kestra.put_flow(flow("a"))
    done = read_envelope(cli("pull", "--json", cwd=project).stdout, "pull")
    assert done["ok"] is True and done["data"]["summary"]["unchanged"] == 1
    down = cli("pull", "--json", "--server", f"http://127.0.0.1:{free_port()}", cwd=project)
    assert down.returncode == ExitCode.KESTRA
    envelope = read_envelope(down.stdout, "pull")
    assert envelope["error"]["category"] == "kestra" and envelope["data"] is None
    outside = read_envelope(cli("pull", "--json", cwd=tmp_path).stdout, "pull")
    assert outside["error"]["category"] == "usage"
