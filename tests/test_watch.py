"""`kestra-init sync --watch`: every save reaches the server; nothing ends the watch but Ctrl-C.

The real command runs in a subprocess against the fake Kestra over HTTP; the
test edits files as an editor would and polls what the fake stores.
"""

from __future__ import annotations

import json

from kestra_init.exit_codes import ExitCode
from tests.helpers import (
    as_permissions_apply,
    assert_no_traceback,
    make_api_project,
    posix_only,
)
from tests.sync_helpers import flow, write
from tests.watch_helpers import WatchRun, eventually


def message_on(server, flow_id: str, namespace: str = "demo") -> str | None:  # type: ignore[no-untyped-def]
    source = server.flow_source(namespace, flow_id)
    if source is None:
        return None
    return source.rsplit("message:", 1)[-1].strip()


def test_edits_new_files_broken_and_fixed_files_reach_the_server(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    with WatchRun(project) as watch:
        watch.started()
        assert message_on(fake_kestra, "a") == "hi"  # the first sync
        write(project / "flows", "a.yml", flow("a", message="edited"))
        assert "✓ demo/a updated, revision 2" in watch.wait_for("demo/a updated")
        assert message_on(fake_kestra, "a") == "edited"

        write(project / "flows", "sub/b.yml", flow("b"))
        assert "revision 1" in watch.wait_for("demo/b created")

        mark = len(watch.lines)
        write(project / "flows", "sub/b.yml", flow("b", message="x").replace("tasks:", "tasks: ["))
        line = watch.wait_for("yaml-syntax", after=mark)
        assert "flows/sub/b.yml:" in line  # file:line:col
        assert message_on(fake_kestra, "b") == "hi"  # nothing broken was sent

        write(project / "flows", "sub/b.yml", flow("b", message="fixed"))
        watch.wait_for("demo/b updated", after=mark)
        assert message_on(fake_kestra, "b") == "fixed"

        # A flow with a linter error is held back with its diagnostics, then sent once fixed.
        mark = len(watch.lines)
        typo = flow("a", message="typo").replace("core.log.Log", "core.log.Lgo")
        write(project / "flows", "a.yml", typo)
        watch.wait_for("✗ demo/a", after=mark)
        assert message_on(fake_kestra, "a") == "edited"
        assert watch.process.poll() is None
        code = watch.stop()
    assert code == ExitCode.OK, watch.output + "\n".join(watch.errors)
    assert watch.lines[-1].startswith("Stopped watching: 4 changes written, 1 failed")
    assert not any("Traceback" in line for line in watch.errors)


def test_a_deleted_file_keeps_its_flow_unless_prune_was_confirmed(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "flows", "b.yml", flow("b"))
    with WatchRun(project) as watch:
        watch.started()
        (project / "flows/b.yml").unlink()
        watch.wait_for("demo/b kept on the server")
        assert ("demo", "b") in fake_kestra.flows()
        assert watch.stop() == ExitCode.OK

    fake_kestra.put_flow(flow("made_in_ui"))  # on the server only, before the watch
    with WatchRun(project, "--prune", "--yes") as watch:
        watch.started()
        # The first sync prunes as `sync --prune` does.
        watch.wait_for("demo/b deleted on the server")
        assert ("demo", "made_in_ui") not in fake_kestra.flows()
        fake_kestra.put_flow(flow("made_while_watching"))
        write(project / "flows", "c.yml", flow("c"))
        watch.wait_for("demo/c created")
        (project / "flows/c.yml").unlink()
        watch.wait_for("demo/c deleted on the server")
        # Only what the watch saw go is deleted: not a flow made in the UI meanwhile.
        assert sorted(fake_kestra.flows()) == [("demo", "a"), ("demo", "made_while_watching")]
        assert watch.stop() == ExitCode.OK


def test_prune_deletes_nothing_while_a_file_of_the_folder_does_not_parse(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "flows", "b.yml", flow("b"))
    with WatchRun(project, "--prune", "--yes") as watch:
        watch.started()
        write(project / "flows", "b.yml", flow("b").replace("tasks:", "tasks: ["))
        watch.wait_for("yaml-syntax")
        (project / "flows/a.yml").unlink()
        watch.wait_for("demo/a not deleted on the server")
        assert ("demo", "a") in fake_kestra.flows()
        assert watch.stop() == ExitCode.OK


def test_a_server_restart_never_ends_the_watch_and_the_saves_made_meanwhile_arrive(
    fake_kestra, tmp_path
):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    with WatchRun(project) as watch:
        watch.started()
        fake_kestra.stop()
        write(project / "flows", "a.yml", flow("a", message="while it was down"))
        watch.wait_for("trying again in")
        write(project / "flows", "b.yml", flow("b"))
        fake_kestra.start()  # the same port, what it stored kept
        watch.wait_for("the server answers again", timeout=20)
        assert eventually(lambda: message_on(fake_kestra, "a") == "while it was down")
        assert eventually(lambda: message_on(fake_kestra, "b") == "hi")
        assert watch.stop() == ExitCode.OK
    assert watch.lines[-1].startswith("Stopped watching: 3 changes written, 0 failed")


def test_a_watch_started_while_the_server_is_down_waits_for_it(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    fake_kestra.stop()
    with WatchRun(project) as watch:
        watch.wait_for("trying again in")
        fake_kestra.start()
        watch.wait_for("First sync: 1 written", timeout=20)
        assert message_on(fake_kestra, "a") == "hi"
        assert watch.stop() == ExitCode.OK


def test_an_edit_made_in_the_ui_is_never_overwritten_by_a_save(fake_kestra, tmp_path, cli):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    with WatchRun(project) as watch:
        watch.started()
        fake_kestra.put_flow(flow("a", message="from the UI"))
        write(project / "flows", "a.yml", flow("a", message="from my editor"))
        line = watch.wait_for("✗ demo/a")
        assert "changed on the server since the last sync or pull" in line
        assert message_on(fake_kestra, "a") == "from the UI"
        # Resolved by pulling: the server's version lands in the file, and the watch is quiet.
        assert cli("pull", "--force", "--yes", cwd=project).returncode == ExitCode.OK
        assert (project / "flows/a.yml").read_text() == flow("a", message="from the UI")
        watch.wait_for("demo/a unchanged")
        write(project / "flows", "a.yml", flow("a", message="merged"))
        watch.wait_for("demo/a updated, revision 3")
        assert watch.stop() == ExitCode.OK


def test_namespace_files_are_uploaded_as_they_are_saved(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    write(project / "namespace-files/demo/scripts", "x.py", "print(1)\n")
    with WatchRun(project) as watch:
        watch.started()
        assert fake_kestra.namespace_files("demo") == {"/scripts/x.py": b"print(1)\n"}
        fake_kestra.clear_requests()
        mark = len(watch.lines)
        write(project / "namespace-files/demo/scripts", "x.py", "print(2)\n")
        watch.wait_for("demo:/scripts/x.py uploaded", after=mark)
        assert fake_kestra.namespace_files("demo")["/scripts/x.py"] == b"print(2)\n"
        # One namespace touched: one read and one write of its files, no flow request.
        writes = fake_kestra.writes()
        assert [(r.method, r.path) for r in writes] == [
            ("POST", "/api/v1/main/namespaces/demo/files")
        ]
        assert fake_kestra.count(path=r"/flows") == 0
        (project / "namespace-files/demo/scripts/x.py").unlink()
        watch.wait_for("x.py deleted here")
        assert watch.stop() == ExitCode.OK
    assert "/scripts/x.py" in fake_kestra.namespace_files("demo")  # never deleted on the server


def test_one_read_and_one_write_per_namespace_a_burst_touches(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    for number in range(6):
        write(project / "flows", f"f{number}.yml", flow(f"f{number}", namespace=f"ns{number % 2}"))
    write(project / "flows", "other.yml", flow("other", namespace="untouched"))
    with WatchRun(project) as watch:
        watch.started()
        fake_kestra.clear_requests()
        mark = len(watch.lines)
        for number in (0, 2, 4):  # all of namespace ns0, in one burst
            write(project / "flows", f"f{number}.yml", flow(f"f{number}", "ns0", message="new"))
        assert eventually(
            lambda: all(message_on(fake_kestra, f"f{n}", "ns0") == "new" for n in (0, 2, 4))
        )
        watch.wait_for("ns0/f4 updated", after=mark)
        assert watch.stop() == ExitCode.OK
    paths = [(r.method, r.path) for r in fake_kestra.requests]
    assert paths.count(("POST", "/api/v1/main/flows/ns0")) == 1
    assert not any("ns1" in path or "untouched" in path for _method, path in paths)


def test_watch_outside_a_project_and_with_a_dry_run_says_why(cli, fake_kestra, tmp_path):
    outside = cli("sync", "--watch", "--server", fake_kestra.url, cwd=tmp_path)
    assert outside.returncode == ExitCode.USAGE
    assert "not inside a kestra-init project" in " ".join(outside.stderr.split())
    project = make_api_project(tmp_path / "p", fake_kestra)
    dry = cli("sync", "--watch", "--dry-run", cwd=project)
    assert dry.returncode == ExitCode.USAGE and "do not go together" in dry.stderr
    # --prune needs a confirmation, and a pipe cannot give one: nothing starts.
    pruned = cli("sync", "--watch", "--prune", cwd=project)
    assert pruned.returncode == ExitCode.USAGE and "--yes" in pruned.stderr
    assert fake_kestra.writes() == []
    for result in (outside, dry, pruned):
        assert_no_traceback(result)


@posix_only
def test_watch_with_an_unreadable_flows_folder_says_why(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    (project / "flows").chmod(0)
    try:
        result = cli("sync", "--watch", cwd=project, prefix=as_permissions_apply())
    finally:
        (project / "flows").chmod(0o755)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "cannot be read" in result.stderr
    assert fake_kestra.writes() == []


def test_ctrl_c_ends_with_a_json_envelope_when_asked(fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    with WatchRun(project, "--json") as watch:
        # The lines go to stderr: stdout is for the one envelope at the end.
        watch.wait_for("Watching", errors=True)
        write(project / "flows", "a.yml", flow("a", message="edited"))
        watch.wait_for("demo/a updated", errors=True)
        assert watch.stop() == ExitCode.OK
    envelope = json.loads(watch.output)
    assert envelope["command"] == "sync" and envelope["ok"] is True
    assert envelope["data"]["written"] == 2 and envelope["data"]["failed"] == 0


def test_the_state_file_is_ignored_by_git_and_holds_no_secret(fake_kestra, tmp_path, cli):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    assert cli("sync", "--no-validate", cwd=project).returncode == ExitCode.OK
    state_dir = project / ".kestra-init"
    text = (state_dir / "state.json").read_text()
    assert str(fake_kestra.password) not in text and "Authorization" not in text
    data = json.loads(text)
    (server,) = data["servers"].values()
    assert server["flows"]["demo/a"]["revision"] == 1
    assert (state_dir / ".gitignore").read_text().splitlines()[-1] == "*"


def test_credentials_refused_at_the_start_end_the_watch_with_the_reason(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    write(project / "flows", "a.yml", flow("a"))
    env_file = project / ".env"
    env_file.write_text(env_file.read_text().replace("Admin1234", "Wrong1234"))
    result = cli("sync", "--watch", cwd=project, timeout=60)
    assert result.returncode == ExitCode.KESTRA, result.stdout + result.stderr
    assert "refused the credentials" in " ".join(result.stderr.split())
    assert_no_traceback(result)


def test_a_project_without_a_flows_folder_is_told_what_to_do(cli, fake_kestra, tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / ".copier-answers.yml").write_text("namespace: demo\n")
    result = cli("sync", "--watch", "--server", fake_kestra.url, cwd=project)
    assert result.returncode == ExitCode.USAGE
    assert "has no flows/ folder" in result.stderr
    assert fake_kestra.writes() == []
