"""`kestra-init update`: template changes reach a project; the user's work stays.

The template cache of these tests holds an older template version (0.0.9: the
packaged template with a few differences) below the packaged one, so a project
made with `new --vcs-ref 0.0.9` has something to update to, through the
installed command, exactly as after upgrading kestra-init.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
from kestra_init.templating.cache import sync_packaged_template, template_repo_path
from kestra_init.templating.source import packaged_template_dir
from tests.helpers import assert_no_traceback, assert_owner_only, json_data, posix_only

OLD = "0.0.9"
NEW_SECTION = "## Changing things"


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A template cache holding version 0.0.9, older than the packaged template."""
    cache = tmp_path_factory.mktemp("update-cache")
    old = tmp_path_factory.mktemp("old-template") / "template"
    shutil.copytree(packaged_template_dir(), old)
    readme = old / "project" / "README.md.jinja"
    text = readme.read_text()
    readme.write_text(text[: text.index(NEW_SECTION)])
    compose = old / "project" / "docker-compose.yml.jinja"
    compose.write_text(compose.read_text().replace("retries: 12", "retries: 3"))
    repo = template_repo_path({"XDG_CACHE_HOME": str(cache)})
    sync_packaged_template(old, OLD, repo=repo)
    return {"XDG_CACHE_HOME": str(cache)}


@pytest.fixture
def project(cli, tmp_path: Path, cache_env: dict[str, str]) -> Path:
    made = cli("new", "proj", "--defaults", "--vcs-ref", OLD, cwd=tmp_path, env=cache_env)
    assert made.returncode == ExitCode.OK, made.stderr
    root = tmp_path / "proj"
    assert yaml.safe_load((root / ".copier-answers.yml").read_text())["_commit"] == OLD
    assert NEW_SECTION not in (root / "README.md").read_text()
    return root


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.io", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_template_changes_reach_the_project_and_user_edits_and_env_stay(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    flow = project / "flows" / "hello_world.yml"
    flow.write_text(flow.read_text().replace("duration: PT2S", "duration: PT9S  # mine"))
    (project / "flows" / "mine.yml").write_text("id: mine\nnamespace: proj\ntasks: []\n")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "my flows")
    env_before = (project / ".env").read_bytes()

    result = cli("update", cwd=project, env=cache_env)

    assert result.returncode == ExitCode.OK, result.stderr
    assert_no_traceback(result)
    assert NEW_SECTION in (project / "README.md").read_text()
    assert "retries: 12" in (project / "docker-compose.yml").read_text()
    assert "duration: PT9S  # mine" in flow.read_text()
    assert (project / "flows" / "mine.yml").is_file()
    assert (project / ".env").read_bytes() == env_before
    assert_owner_only(project / ".env")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] != OLD
    assert "admin_password" not in answers
    # The summary names what changed and how to finish.
    assert "README.md" in result.stdout and "docker-compose.yml" in result.stdout
    assert "git diff" in result.stdout
    assert "conflict" not in result.stdout
    # The changes are left for the user to review and commit.
    changed = _git(project, "status", "--porcelain")
    assert "README.md" in changed and ".env" not in changed

    # Once committed, a second update has nothing to do.
    _git(project, "commit", "-qam", "update")
    again = cli("update", cwd=project, env=cache_env)
    assert again.returncode == ExitCode.OK, again.stderr
    assert "Up to date" in again.stdout


def test_an_edit_on_a_line_the_template_changed_is_a_conflict(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    compose = project / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("retries: 3", "retries: 5"))
    _git(project, "commit", "-qam", "more retries")

    result = cli("update", "--json", cwd=project, env=cache_env)

    assert result.returncode == ExitCode.FINDINGS, result.stderr

    data = json_data(result.stdout, "update")
    assert data["conflicts"] == ["docker-compose.yml"]
    text = compose.read_text()
    assert "retries: 5" in text and "retries: 12" in text
    assert "<<<<<<<" in text


def test_uncommitted_work_is_refused_and_left_alone(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    flow = project / "flows" / "hello_world.yml"
    flow.write_text(flow.read_text() + "# unsaved thought\n")
    before = {
        p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts
    }

    result = cli("update", cwd=project, env=cache_env)

    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "uncommitted changes" in message
    assert "flows/hello_world.yml" in message
    assert "git stash" in message
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_a_missing_answers_file_is_refused(cli, project: Path, cache_env: dict[str, str]) -> None:
    _git(project, "rm", "-q", ".copier-answers.yml")
    _git(project, "commit", "-qm", "oops")

    result = cli("update", cwd=project, env=cache_env)

    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "has no .copier-answers.yml" in message
    assert "git checkout -- .copier-answers.yml" in message


def test_a_broken_answers_file_is_named_as_such(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    (project / ".copier-answers.yml").write_text("_commit: [0.0.9\n")
    _git(project, "commit", "-qam", "a bad edit")
    result = cli("update", cwd=project, env=cache_env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert ".copier-answers.yml cannot be read" in message and "git checkout" in message


def test_a_new_admin_password_is_refused_with_where_to_change_it(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    env_before = (project / ".env").read_text()
    result = cli("update", "--data", "admin_password=Another1234", cwd=project, env=cache_env)
    assert result.returncode == ExitCode.USAGE, result.stdout
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "does not change the admin password" in message
    assert "KESTRA_ADMIN_PASSWORD in .env" in message
    assert "Another1234" not in result.stdout + result.stderr
    assert (project / ".env").read_text() == env_before
    assert _git(project, "status", "--porcelain") == ""


def test_a_project_outside_git_is_refused(cli, project: Path, cache_env: dict[str, str]) -> None:
    shutil.rmtree(project / ".git")
    result = cli("update", cwd=project, env=cache_env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "is not in a git repository" in " ".join(result.stderr.split())


def test_a_template_version_missing_from_the_cache_says_how_to_get_it(
    cli, project: Path, tmp_path: Path
) -> None:
    # A teammate's machine: its cache never held 0.0.9.
    teammate = {"XDG_CACHE_HOME": str(tmp_path / "teammate-cache")}
    answers = project / ".copier-answers.yml"
    text = answers.read_text()
    recorded = yaml.safe_load(text)["_src_path"]
    answers.write_text(
        text.replace(recorded, str(tmp_path / "teammate-cache/kestra-init/template"))
    )
    _git(project, "commit", "-qam", "cloned elsewhere")

    result = cli("update", cwd=project, env=teammate)

    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert f"({OLD}) is not in this machine's template cache" in message
    assert f"pipx run kestra-init=={OLD} update" in message


def test_update_outside_a_project_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("update", cwd=tmp_path, env={"XDG_CACHE_HOME": str(tmp_path / "c")})
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "is not inside a kestra-init project" in " ".join(result.stderr.split())


def test_a_new_answer_changes_the_project_on_update(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    env_before = (project / ".env").read_bytes()
    narrow = {**cache_env, "COLUMNS": "80"}  # a default terminal
    result = cli("update", "--data", "kestra_version=v1.2", cwd=project, env=narrow)
    assert result.returncode == ExitCode.OK, result.stderr
    # The command to copy stays on one line, even wider than the terminal.
    commit = "git add -A && git commit -m 'Update from the kestra-init template'"
    assert commit in result.stdout.splitlines()[-2]
    assert "image: kestra/kestra:v1.2" in (project / "docker-compose.yml").read_text()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["kestra_version"] == "v1.2"
    assert (project / ".env").read_bytes() == env_before
    _git(project, "commit", "-qam", "kestra 1.2")

    refused = cli("update", "--data", "kestra_version=latest", cwd=project, env=cache_env)
    assert refused.returncode == ExitCode.USAGE
    assert_no_traceback(refused)
    assert "Kestra 2.x" in " ".join(refused.stderr.split())
    assert _git(project, "status", "--porcelain") == ""  # nothing was changed


def test_the_env_guard_restores_a_changed_env(tmp_path: Path) -> None:
    from kestra_init.commands.update import _guard_env

    env = tmp_path / ".env"
    env.write_text("A=changed\n")
    assert _guard_env(env, b"A=original\n") == [
        ".env was changed during the update and has been restored as it was"
    ]
    assert env.read_bytes() == b"A=original\n"
    assert_owner_only(env)
    assert _guard_env(env, b"A=original\n") == []


@posix_only
def test_a_project_made_without_the_template_cache_says_it_cannot_be_updated(
    cli, tmp_path: Path
) -> None:
    # No git on PATH for `new`: the template cache cannot be made, the project can.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    made = cli(
        "new",
        tmp_path / "plain",
        "--defaults",
        env={"PATH": str(bin_dir), "XDG_CACHE_HOME": str(tmp_path / "c")},
    )
    assert made.returncode == ExitCode.OK, made.stderr
    project = tmp_path / "plain"
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "by hand")

    result = cli("update", cwd=project, env={"XDG_CACHE_HOME": str(tmp_path / "c")})

    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "records no template version" in message
    assert "kestra-init new" in message


def test_an_unknown_vcs_ref_is_a_usage_error_that_changes_nothing(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    result = cli("update", "--vcs-ref", "nope", cwd=project, env=cache_env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "--vcs-ref nope is not a tag or commit of the template" in message
    assert "git ls-remote --tags" in message
    assert _git(project, "status", "--porcelain") == ""


# Files the user edited and the update would remove ------------------------------------
FEWER_FLOWS = ("--data", "example_flows=hello_world")


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }


@pytest.fixture
def edited(project: Path) -> Path:
    """The project with an edited example flow, committed."""
    flow = project / "flows" / "python_outputs.yml"
    flow.write_text(flow.read_text() + "# my notes on this flow\n")
    _git(project, "commit", "-qam", "my notes")
    return project


def test_an_update_deleting_an_edited_file_is_refused_without_a_terminal(
    cli, edited: Path, cache_env: dict[str, str]
) -> None:
    before = _files(edited)
    result = cli("update", *FEWER_FLOWS, cwd=edited, env=cache_env)

    assert result.returncode == ExitCode.FINDINGS, result.stdout + result.stderr
    assert_no_traceback(result)
    assert "Not updated" in result.stdout
    assert re.search(r"^would be deleted +flows/python_outputs\.yml$", result.stdout, re.M), (
        result.stdout
    )
    assert "kestra-init update --force" in result.stdout
    # Nothing changed: every file (the answers too), and git has nothing to commit.
    assert _files(edited) == before
    assert _git(edited, "status", "--porcelain") == ""

    as_json = cli("update", *FEWER_FLOWS, "--json", cwd=edited, env=cache_env)
    data = json_data(as_json.stdout, "update")
    assert data["applied"] is False
    assert data["lost_edits"] == [{"path": "flows/python_outputs.yml", "how": "deleted"}]
    assert data["changes"] == []
    assert _files(edited) == before


def test_force_applies_it_and_says_which_edits_went(
    cli, edited: Path, cache_env: dict[str, str]
) -> None:
    result = cli("update", *FEWER_FLOWS, "--force", cwd=edited, env=cache_env)

    assert result.returncode == ExitCode.OK, result.stderr
    assert not (edited / "flows" / "python_outputs.yml").exists()
    assert not (edited / "flows" / "kestra_api.yml").exists()  # not edited: no question
    message = " ".join(result.stderr.split())
    assert "removed edits of yours in flows/python_outputs.yml (deleted" in message
    assert "git checkout HEAD -- PATH" in message
    # The user's version is where the warning says.
    kept = _git(edited, "show", "HEAD:flows/python_outputs.yml")
    assert "# my notes on this flow" in kept


def test_an_update_removing_only_unedited_files_asks_nothing(
    cli, project: Path, cache_env: dict[str, str]
) -> None:
    result = cli("update", *FEWER_FLOWS, "--json", cwd=project, env=cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    data = json_data(result.stdout, "update")
    assert data["applied"] is True and data["lost_edits"] == []
    assert {"status": "deleted", "path": "flows/python_outputs.yml"} in data["changes"]


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals exist on Unix only")
@pytest.mark.parametrize(("typed", "applied"), [(b"n\r", False), (b"y\r", True)])
def test_in_a_terminal_the_update_asks_first(
    edited: Path, cache_env: dict[str, str], typed: bytes, applied: bool
) -> None:
    from tests.helpers import run_at_a_terminal

    before = _files(edited)
    result = run_at_a_terminal(["update", *FEWER_FLOWS], typed, cwd=edited, env=cache_env)

    asked = " ".join(result.stderr.split())
    assert "This update would remove edits of yours: flows/python_outputs.yml deleted" in asked
    assert "Apply the update anyway?" in asked
    flow = edited / "flows" / "python_outputs.yml"
    if applied:
        assert result.returncode == ExitCode.OK, result.stdout + result.stderr
        assert not flow.exists()
    else:
        assert result.returncode == ExitCode.FINDINGS, result.stdout + result.stderr
        assert _files(edited) == before
        assert _git(edited, "status", "--porcelain") == ""


def test_an_edit_replaced_without_a_conflict_counts_as_lost(tmp_path: Path) -> None:
    # What `update` checks after Copier ran: the committed file (the user's), the
    # recorded template's render of it, and the file now.
    from kestra_init.templating.edits import LostEdit, lost_edits

    project, old_render = tmp_path / "project", tmp_path / "old"
    project.mkdir()
    old_render.mkdir()
    template_made = "id: a\nnamespace: n\ntasks: []\n"
    (old_render / "a.yml").write_text(template_made)
    (old_render / "b.yml").write_text(template_made)
    (project / "a.yml").write_text(template_made + "# mine\n")  # edited
    (project / "b.yml").write_text(template_made)  # as the template made it
    (project / "c.yml").write_text("# my own file\n")  # not the template's
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "mine")

    # The update replaced a.yml and b.yml by a new version, and deleted c.yml.
    (project / "a.yml").write_text("id: a\nnamespace: n2\ntasks: []\n")
    (project / "b.yml").write_text("id: a\nnamespace: n2\ntasks: []\n")
    (project / "c.yml").unlink()
    changes = [("modified", "a.yml"), ("modified", "b.yml"), ("deleted", "c.yml")]
    assert lost_edits(project, changes, [], old_render) == [
        LostEdit("a.yml", "overwritten"),
        LostEdit("c.yml", "deleted"),
    ]
    # A merge that kept the user's line loses nothing; a conflict is reported as one.
    (project / "a.yml").write_text("id: a\nnamespace: n2\ntasks: []\n# mine\n")
    assert lost_edits(project, changes[:2], [], old_render) == []
    assert lost_edits(project, [("deleted", "c.yml")], ["c.yml"], old_render) == []
