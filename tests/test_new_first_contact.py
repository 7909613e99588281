"""`kestra-init new` on a first day: odd folder names, `--force` into a folder of files,
a project without example flows. The installed command, in a subprocess, real git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kestra_init.errors import UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.templating.destination import check_destination_name
from tests.helpers import assert_no_traceback, json_data


def _tracked(root: Path) -> list[str]:
    return subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())


# Folder names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_path_is_refused_and_nothing_is_built_here(
    cli, tmp_path: Path, template_cache_env: dict[str, str], name: str
) -> None:
    result = cli("new", name, "--defaults", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    assert_no_traceback(result)
    message = _one_paragraph(result.stderr)
    assert "The project folder is empty" in message
    assert "kestra-init new myproj" in message
    assert os.listdir(tmp_path) == []  # not a file in the current folder


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("a" * 256, 256),
        ("é" * 130, 260),  # 130 characters, 260 bytes in UTF-8
        (os.path.join("parent", "b" * 300, "child"), 300),
    ],
)
def test_a_name_over_the_file_system_limit_is_a_usage_error(
    cli, tmp_path: Path, template_cache_env: dict[str, str], name: str, size: int
) -> None:
    result = cli("new", name, "--defaults", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    assert_no_traceback(result)
    message = _one_paragraph(result.stderr)
    assert f"is too long ({size} bytes)" in message
    assert "at most 255 bytes" in message
    assert "choose a shorter name" in message
    assert os.listdir(tmp_path) == []  # no parent folder left behind either


def test_json_callers_get_the_refusal_in_the_envelope(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli("new", "x" * 300, "--defaults", "--json", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.USAGE
    from tests.helpers import read_envelope

    answer = read_envelope(result.stdout, "new")
    assert answer["error"]["category"] == "usage"
    assert "too long" in answer["error"]["what"]


def test_a_name_that_is_fine_at_255_bytes_is_made(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    name = "n" * 255
    data = ["--data", "project_name=long one"]  # the folder name is over 80 characters
    result = cli("new", name, "--defaults", "--no-git", *data, cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert (tmp_path / name / "docker-compose.yml").is_file()


def test_a_long_folder_name_as_the_project_name_says_how_to_name_it(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    # The project name defaults to the folder's; a folder name of 100 letters is
    # a fine folder but no project name, and the message says how to give one.
    result = cli("new", "p" * 100, "--defaults", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.USAGE
    message = _one_paragraph(result.stderr)
    assert "longer than 80 characters" in message
    assert "--data project_name=" in message
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("what?", "Windows refuses these characters in a name: '?'"),
        ("a:b", "Windows refuses these characters"),
        ("con", "con is the name of a device on Windows"),
        ("NUL.txt", "NUL is the name of a device on Windows"),
        ("trailing.", "drops a dot or space at the end"),
    ],
)
def test_names_windows_cannot_hold_are_refused_there(tmp_path: Path, name: str, words: str) -> None:
    with pytest.raises(UsageError) as refused:
        check_destination_name(tmp_path / name, windows=True)
    assert words in str(refused.value)
    # Elsewhere such a folder is fine.
    assert check_destination_name(tmp_path / name, windows=False) == tmp_path / name


def test_a_path_too_long_for_the_projects_files_is_refused(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["d" * 200] * 20))  # 4,000 bytes and more
    with pytest.raises(UsageError) as refused:
        check_destination_name(deep)
    assert "is too long" in refused.value.what
    assert "nearer the top" in refused.value.fix


# --force into a folder that holds files ---------------------------------------------------


def test_force_commits_only_the_generated_files_and_names_what_it_left_out(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "busy"
    (target / "flows").mkdir(parents=True)
    (target / "credentials.json").write_text('{"private_key": "do-not-commit"}\n')
    (target / "notes.txt").write_text("mine\n")
    (target / "flows" / "mine.yml").write_text("id: mine\nnamespace: busy\ntasks: []\n")
    result = cli("new", target, "--defaults", "--force", "--json", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr

    tracked = _tracked(target)
    assert "credentials.json" not in tracked
    assert "notes.txt" not in tracked and "flows/mine.yml" not in tracked
    assert ".env" not in tracked
    # Everything the template made is in the first commit, in the flows/ folder too.
    for generated in ("docker-compose.yml", ".env.example", ".gitignore", "flows/hello_world.yml"):
        assert generated in tracked
    # The files left out are still there, untouched, and said so.
    assert (target / "credentials.json").read_text() == '{"private_key": "do-not-commit"}\n'
    data = json_data(result.stdout, "new")
    assert data["git"]["status"] == "committed"
    assert sorted(data["git"]["left_out"]) == ["credentials.json", "flows/mine.yml", "notes.txt"]
    listed = {entry["path"] for entry in data["files"]}
    assert "credentials.json" not in listed and "flows/hello_world.yml" in listed
    (warning,) = [w for w in data["warnings"] if "left out of the first commit" in w]
    assert "because they were in the folder before" in warning
    assert "credentials.json" in warning
    committed = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=target, capture_output=True, text=True, check=True
    ).stdout
    assert "do-not-commit" not in committed


def test_force_with_a_gitignore_that_ignores_generated_files_still_commits(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "ignoring"
    target.mkdir()
    (target / ".gitignore").write_text("*.md\n")  # the user's; kept by --force
    result = cli("new", target, "--defaults", "--force", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    tracked = _tracked(target)
    assert "docker-compose.yml" in tracked
    assert "README.md" not in tracked  # ignored by the user's own rule
    assert ".gitignore" not in tracked  # it was there before: theirs to commit
    assert "first commit" in result.stdout
    assert "left out of the first commit, because they were in the folder before: .gitignore" in (
        _one_paragraph(result.stderr)
    )


def test_a_new_folder_gets_everything_committed_and_no_left_out_warning(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli("new", "fresh", "--defaults", "--json", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert json_data(result.stdout, "new")["git"]["left_out"] == []
    assert "left out of the first commit" not in result.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=tmp_path / "fresh",
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""


# No example flows -----------------------------------------------------------------------


def test_no_example_flows_keeps_an_empty_flows_folder_that_ci_validates(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    made = cli(
        "new",
        "bare",
        "--defaults",
        "--data",
        "example_flows=",
        cwd=tmp_path,
        env=template_cache_env,
    )
    assert made.returncode == ExitCode.OK, made.stderr
    root = tmp_path / "bare"
    assert "flows/.gitkeep" in _tracked(root)  # git keeps no empty folder without it
    assert [p.name for p in (root / "flows").iterdir()] == [".gitkeep"]

    # A fresh clone, as CI checks it out: the folder is there.
    clone = tmp_path / "ci-checkout"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    assert (clone / "flows").is_dir()
    # The generated workflow's validate step, run as CI runs it.
    workflow = yaml.safe_load((clone / ".github" / "workflows" / "validate-flows.yml").read_text())
    (validate_step,) = [
        s for s in workflow["jobs"]["validate"]["steps"] if s.get("name") == "Validate flows"
    ]
    args = validate_step["run"].split()
    assert args[:2] == ["kestra-init", "validate"]
    checked = cli(*args[1:], cwd=clone)
    assert checked.returncode == ExitCode.OK, checked.stdout + checked.stderr
    assert "No .yml or .yaml files found" in checked.stdout + checked.stderr
    # Without the folder it is a mistake, not a pass.
    (clone / "flows" / ".gitkeep").unlink()
    (clone / "flows").rmdir()
    missing = cli(*args[1:], cwd=clone)
    assert missing.returncode == ExitCode.USAGE
    assert "has no flows/ folder" in " ".join(missing.stderr.split())


def test_example_flows_leave_no_gitkeep(cli, tmp_path: Path, template_cache_env) -> None:  # type: ignore[no-untyped-def]
    made = cli("new", "full", "--defaults", "--no-git", cwd=tmp_path, env=template_cache_env)
    assert made.returncode == ExitCode.OK, made.stderr
    assert not (tmp_path / "full" / "flows" / ".gitkeep").exists()
