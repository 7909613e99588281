"""`kestra-init new`, run as a user runs it: the installed command in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
from kestra_init.project.credentials import password_problem
from kestra_init.project.envfile import read_env
from tests.helpers import assert_no_traceback, assert_owner_only, json_data, posix_only


def _entries(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_new_with_defaults_makes_a_committed_ready_project(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli("new", "myproj", "--defaults", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    root = tmp_path / "myproj"

    # The summary: what was made, and what to do next.
    assert "Created" in result.stdout
    for shown in ("docker-compose.yml", ".env", "flows/hello_world.yml", "README.md"):
        assert shown in result.stdout
    assert "cd myproj && kestra-init up" in result.stdout
    assert "http://localhost:8080" in result.stdout
    assert "KESTRA_ADMIN_PASSWORD in .env" in result.stdout

    env = read_env(root / ".env")
    assert password_problem(env["KESTRA_ADMIN_PASSWORD"]) is None
    assert env["KESTRA_ADMIN_PASSWORD"] not in result.stdout + result.stderr
    assert_owner_only(root / ".env")

    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "myproj"
    assert answers["namespace"] == "myproj"
    assert answers["_commit"]  # a template version to update from
    assert answers["_src_path"].endswith("kestra-init/template")
    assert "admin_password" not in answers

    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=root, capture_output=True, text=True, check=True
    )
    assert len(log.stdout.splitlines()) == 1
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".env" not in tracked and ".env.example" in tracked
    assert "flows/hello_world.yml" in tracked
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""  # ready for `kestra-init update`


def test_answers_from_data_shape_the_project(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli(
        "new",
        tmp_path / "shop",
        "--defaults",
        "--no-git",
        "--data",
        "namespace=company.shop",
        "--data",
        "kestra_port=9090",
        "--data",
        "database=h2",
        "--data",
        "example_flows=hello_world",
        "--data",
        "admin_email=ops@shop.example",
        "--data",
        "admin_password=Given-Pass-1234",
        "--data",
        "kestra_version=1.2",
        env=template_cache_env,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    root = tmp_path / "shop"
    env = read_env(root / ".env")
    assert env["KESTRA_PORT"] == "9090"
    assert env["KESTRA_ADMIN_EMAIL"] == "ops@shop.example"
    assert env["KESTRA_ADMIN_PASSWORD"] == "Given-Pass-1234"
    assert "POSTGRES_PASSWORD" not in env  # h2: no database container
    assert sorted(p.name for p in (root / "flows").iterdir()) == ["hello_world.yml"]
    assert "namespace: company.shop" in (root / "flows/hello_world.yml").read_text()
    assert "image: kestra/kestra:v1.2" in (root / "docker-compose.yml").read_text()
    assert "http://localhost:9090" in result.stdout
    assert not (root / ".git").exists()
    assert "--no-git" in result.stdout
    # The given password is a secret: in .env only.
    for path in root.rglob("*"):
        if path.is_file() and path.name != ".env":
            assert "Given-Pass-1234" not in path.read_text(), path
    assert "Given-Pass-1234" not in result.stdout + result.stderr


def test_json_output_for_scripts(cli, tmp_path: Path, template_cache_env: dict[str, str]) -> None:
    result = cli("new", tmp_path / "j", "--defaults", "--json", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    data = json_data(result.stdout, "new")
    assert data["root"] == str(tmp_path / "j")
    assert data["env_created"] is True
    assert data["git"]["status"] == "committed"
    assert data["answers"]["kestra_version"] == "v1.3"
    assert "admin_password" not in data["answers"]
    assert {"path": ".env", "what": "secrets (mode 600, git-ignored)"} in data["files"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("namespace=My NS", ["namespace=My NS is not allowed", "lower-case letters"]),
        ("kestra_port=70000", ["kestra_port=70000 is not allowed", "1 to 65535"]),
        ("admin_email=admin", ["admin_email=admin is not allowed", "email address"]),
        ("kestra_version=latest", ["kestra_version=latest", "Kestra 2.x", "v1.3"]),
        ("kestra_version=v2.0", ["kestra_version=v2.0", "2.0 removed", "pluginDefaults"]),
        ("management_port=8080", ["must differ from the UI port"]),
        ("kestra_port=abc", ["takes a whole number"]),
        ("database=mysql", ["'mysql' is not in ['postgres', 'h2']"]),
        ("admin_password=weak", ["password policy needs", "empty to generate"]),
        ("nmespace=x", ["no question named 'nmespace'", "Did you mean 'namespace'"]),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    cli, tmp_path: Path, template_cache_env: dict[str, str], data: str, words: list[str]
) -> None:
    result = cli("new", "proj", "--defaults", "--data", data, cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert message.startswith("Error:")
    for word in words:
        assert word in message
    assert "To fix:" in message
    assert _entries(tmp_path) == []  # not even an empty folder
    assert "weak" not in result.stderr or "admin_password" not in data


def test_a_non_empty_folder_is_refused_without_force(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = cli("new", target, "--defaults", env=template_cache_env)
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "is not empty (it holds notes.txt)" in message
    assert "--force" in message
    assert _entries(target) == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"


def test_force_writes_into_a_folder_and_keeps_the_users_env_and_files(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / ".env").write_text("KESTRA_ADMIN_PASSWORD=MyOwnPass1\n")
    (target / "README.md").write_text("# my notes [draft]\n")
    (target / "flows").mkdir()
    (target / "flows" / "hello_world.yml").write_text("id: hello_world\nnamespace: mine\n")
    result = cli("new", target, "--defaults", "--force", "--no-git", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    # Everything that was there is untouched; the rest of the template is added.
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / ".env").read_text() == "KESTRA_ADMIN_PASSWORD=MyOwnPass1\n"
    assert (target / "README.md").read_text() == "# my notes [draft]\n"
    assert (
        target / "flows" / "hello_world.yml"
    ).read_text() == "id: hello_world\nnamespace: mine\n"
    assert (target / "docker-compose.yml").is_file()
    assert (target / "flows" / "python_outputs.yml").is_file()
    message = " ".join(result.stderr.split())
    assert ".env was already there and was kept" in message
    assert "kept your own README.md, flows/hello_world.yml" in message


def test_a_clone_of_an_empty_repository_counts_as_empty(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "clone"
    target.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    result = cli("new", target, "--defaults", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    # The repository is the user's: files are left for them to commit.
    assert "commit the new files yourself" in result.stdout
    log = subprocess.run(["git", "log"], cwd=target, capture_output=True, text=True, check=False)
    assert log.returncode != 0  # still no commit


def test_a_path_under_a_file_cannot_be_created(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    (tmp_path / "afile").write_text("x")
    result = cli("new", tmp_path / "afile" / "proj", "--defaults", env=template_cache_env)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert "Cannot create" in message and "is a file, not a folder" in message
    assert _entries(tmp_path) == ["afile"]


@posix_only
def test_a_folder_that_cannot_be_written_is_refused(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        # Root ignores permission bits; the immutable attribute stops it too.
        subprocess.run(["chattr", "+i", str(locked)], check=True)
    else:
        locked.chmod(0o555)
    try:
        result = cli("new", locked / "proj", "--defaults", env=template_cache_env)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        locked.chmod(0o755)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert_no_traceback(result)
    message = " ".join(result.stderr.split())
    assert f"Cannot create {locked / 'proj'}" in message
    assert "not writable" in message
    assert _entries(locked) == []


def test_without_a_terminal_new_asks_for_defaults(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli("new", "proj", cwd=tmp_path, env=template_cache_env, input="")
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "--defaults" in " ".join(result.stderr.split())
    assert _entries(tmp_path) == []


def test_another_template_source_is_used_as_given(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    source = tmp_path / "tpl"
    (source / "project").mkdir(parents=True)
    (source / "copier.yml").write_text(
        "_subdirectory: project\ngreeting:\n  type: str\n  default: hello\n"
    )
    (source / "project" / "hello.txt.jinja").write_text("{{ greeting }} world\n")
    (source / "project" / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "t"], ["tag", "1.0.0"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t.io", *command],
            cwd=source,
            check=True,
        )
    result = cli(
        "new",
        tmp_path / "out",
        "--defaults",
        "--no-git",
        "--template",
        source,
        "--vcs-ref",
        "1.0.0",
        "--data",
        "greeting=hi",
        env=template_cache_env,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    assert (tmp_path / "out" / "hello.txt").read_text() == "hi world\n"
    answers = yaml.safe_load((tmp_path / "out" / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "1.0.0"
    # No compose file, no port, no login among its answers: no steps that cannot work.
    assert "Next steps" not in result.stdout
    assert "log in as" not in result.stdout
    assert "http://" not in result.stdout


def test_a_template_source_that_does_not_exist_is_a_usage_error(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli(
        "new",
        tmp_path / "out",
        "--defaults",
        "--template",
        tmp_path / "nowhere",
        env=template_cache_env,
    )
    assert result.returncode == ExitCode.USAGE
    assert_no_traceback(result)
    assert "was not found" in " ".join(result.stderr.split())
    assert _entries(tmp_path) == []


def test_version_and_help(cli) -> None:
    from kestra_init import __version__

    version = cli("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"kestra-init {__version__}"
    helped = cli("new", "--help")
    assert helped.returncode == 0
    for option in ("--defaults", "--data", "--force", "--no-git", "--template", "--vcs-ref"):
        assert option in helped.stdout


@posix_only
def test_without_git_installed_the_project_is_made_and_says_so(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    # A PATH holding python but no git: the template cache and the first commit
    # cannot be made; the project still is, and the user is told what they lose.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = Path(shutil.which("python3") or "/usr/bin/python3")
    (bin_dir / "python3").symlink_to(python)
    env = {**template_cache_env, "PATH": str(bin_dir), "XDG_CACHE_HOME": str(tmp_path / "c")}
    result = cli("new", tmp_path / "nogit", "--defaults", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert (tmp_path / "nogit" / ".env").is_file()
    message = " ".join(result.stderr.split())
    assert "cannot be updated with kestra-init update" in message
    assert "git is not installed" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"], ["update", "--help"]])
def test_help_loads_no_heavy_library(args: list[str]) -> None:
    # `kestra-init --help` must stay fast (bench/bench_startup.py): copier,
    # python-on-whales and httpx are imported only by the commands using them.
    import sys
    import textwrap

    probe = textwrap.dedent(
        f"""
        import sys
        sys.argv = ["kestra-init", *{args!r}]
        from kestra_init.cli import main
        try:
            main()
        except SystemExit as exit:
            code = exit.code
        heavy = sorted({{m.split(".")[0] for m in sys.modules}}
                       & {{"copier", "python_on_whales", "httpx", "questionary"}})
        print("HEAVY", heavy, "CODE", code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip().endswith("HEAVY [] CODE 0"), result.stdout + result.stderr


def test_without_a_git_identity_the_first_commit_is_made_without_adopting_one(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    # A fresh machine: no user.name/user.email anywhere. The first commit is
    # still made (as kestra-init), but the repository is not configured with
    # that identity: the user's own commits must be theirs.
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **template_cache_env,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / "none.gitconfig"),
        "EMAIL": "",
    }
    result = cli("new", tmp_path / "anon", "--defaults", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    root = tmp_path / "anon"
    author = subprocess.run(
        ["git", "log", "-1", "--format=%an <%ae>"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert author == "kestra-init <kestra-init@localhost>"
    local = subprocess.run(
        ["git", "config", "--local", "--list"], cwd=root, capture_output=True, text=True
    ).stdout
    assert "user.name" not in local and "user.email" not in local


def test_a_configured_git_identity_is_used(cli, tmp_path: Path, template_cache_env) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Ada\n\temail = ada@example.com\n")
    env = {**template_cache_env, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}
    result = cli("new", tmp_path / "ada", "--defaults", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    author = subprocess.run(
        ["git", "log", "-1", "--format=%an <%ae>"],
        cwd=tmp_path / "ada",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert author == "Ada <ada@example.com>"


def _git_lines(root: Path, *args: str) -> list[str]:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_force_with_a_gitignore_that_misses_env_never_commits_the_secrets(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "own"
    target.mkdir()
    (target / ".gitignore").write_text("node_modules/\n")
    result = cli("new", target, "--defaults", "--force", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    password = read_env(target / ".env")["KESTRA_ADMIN_PASSWORD"]
    committed = _git_lines(target, "ls-files")
    assert ".env" not in committed and ".env.example" in committed
    history = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=target, capture_output=True, text=True, check=True
    )
    assert password not in history.stdout
    # The user's line stays; the one that protects .env is added after it.
    lines = (target / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/" and "/.env" in lines
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=target).returncode == 0
    assert "added `/.env` to your .gitignore" in " ".join(result.stderr.split())


def test_force_inside_a_repository_whose_gitignore_misses_env_ignores_it(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    (target / ".gitignore").write_text("*.pyc")  # no newline at the end
    result = cli("new", target, "--defaults", "--force", env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    untracked = _git_lines(target, "status", "--porcelain", "--untracked-files=all")
    assert not any(line.endswith(" .env") for line in untracked), untracked
    assert (target / ".gitignore").read_text().startswith("*.pyc\n")


@pytest.mark.parametrize(
    ("gitignore", "added"),
    [
        (".env\n", False),
        ("/.env\n", False),
        ("*.env\n", False),
        (".env*\n", False),
        ("**/.env\n", False),
        (".env\n!.env\n", True),
        ("config/.env\n", True),
        (".env/\n", True),  # a folder pattern does not match the file
        ("", True),
    ],
)
def test_a_kept_gitignore_gets_the_env_line_only_when_it_does_not_ignore_env(
    tmp_path: Path, gitignore: str, added: bool
) -> None:
    from kestra_init.templating.git import ensure_ignored

    (tmp_path / ".gitignore").write_text(gitignore)
    assert ensure_ignored(tmp_path, ".env", "secrets") is added
    text = (tmp_path / ".gitignore").read_text()
    assert text.startswith(gitignore)
    assert (text != gitignore) is added
    if added:
        assert text.endswith("# secrets\n/.env\n")


def _refused(cli, cwd: Path, env: dict[str, str], *args: str | Path) -> str:
    """Run `kestra-init new ARGS`, expect a usage error that left nothing; its message."""
    before = _entries(cwd)
    result = cli("new", *args, cwd=cwd, env=env)
    assert result.returncode == ExitCode.USAGE, result.stdout + result.stderr
    assert_no_traceback(result)
    assert _entries(cwd) == before  # nothing written
    message = " ".join(result.stderr.split())
    assert message.startswith("Error:") and "To fix:" in message
    return message


def test_an_unknown_vcs_ref_names_it_and_how_to_list_tags(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    message = _refused(cli, tmp_path, template_cache_env, "proj", "--defaults", "--vcs-ref", "nope")
    assert "--vcs-ref nope is not a tag or commit of the template" in message
    assert "git ls-remote --tags" in message


def _foreign_template(root: Path, config: str | None) -> Path:
    root.mkdir(parents=True)
    if config is not None:
        (root / "copier.yml").write_text(config)
    (root / "hello.txt.jinja").write_text("hello\n")
    return root


def test_a_template_that_needs_a_newer_copier_is_a_usage_error(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    source = _foreign_template(tmp_path / "tpl", '_min_copier_version: "99.0"\nname: a\n')
    message = _refused(cli, tmp_path, template_cache_env, "out", "--defaults", "--template", source)
    assert "requires Copier version >= 99.0" in message
    assert "upgrade Copier" in message


def test_a_local_folder_without_copier_yml_is_refused(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    source = _foreign_template(tmp_path / "plain", None)
    message = _refused(cli, tmp_path, template_cache_env, "out", "--defaults", "--template", source)
    assert "is not a Copier template" in message and "copier.yml" in message


def test_a_foreign_templates_secret_answer_is_never_echoed(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    rule = "{% if VALUE|length < 8 %}at least 8 characters{% endif %}"
    source = _foreign_template(
        tmp_path / "tpl",
        "token:\n  type: str\n  secret: true\n  default: long-enough-default\n"
        f'  validator: "{rule.replace("VALUE", "token")}"\n'
        "label:\n  type: str\n  default: long-enough-label\n"
        f'  validator: "{rule.replace("VALUE", "label")}"\n',
    )
    args = ("out", "--defaults", "--template", source, "--data")

    secret = _refused(cli, tmp_path, template_cache_env, *args, "token=Zq7sh")
    assert "Zq7sh" not in secret
    assert "The token given with --data is not allowed" in secret
    # A question that is not secret is named with its value, as usual.
    label = _refused(cli, tmp_path, template_cache_env, *args, "label=Zq7sh")
    assert "--data label=Zq7sh is not allowed" in label
