"""The wheel built from the repository carries the template, and `new` works from it.

The wheel is installed into a fresh virtual environment. Its dependencies come
from the development environment, through a ``.pth`` line naming that
environment's site-packages: offline and quick, where installing them from the
package index would take a minute and need the network. (``--system-site-
packages`` would not do: the development environment is itself a virtual
environment, so the base interpreter does not see its packages.) A plain path
in a ``.pth`` file does not run that folder's own ``.pth`` files, so the
editable install of the checkout stays out, and the test asserts that
kestra_init is imported from the wheel.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import yaml

from kestra_init import __version__
from kestra_init.exit_codes import ExitCode
from kestra_init.templating.cache import sync_packaged_template
from kestra_init.templating.source import packaged_template_dir
from tests.helpers import REPO_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(REPO_ROOT),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("kestra_init-*.whl")
    return built


def _scripts(env_dir: Path) -> Path:
    """Where a virtual environment keeps its commands (Scripts on Windows)."""
    return env_dir / ("Scripts" if os.name == "nt" else "bin")


def _command(bin_dir: Path, name: str) -> str:
    found = shutil.which(name, path=str(bin_dir))
    assert found, f"{name} is not in {bin_dir}"
    return found


def _fresh_venv(env_dir: Path) -> Path:
    """A virtual environment that sees the development environment's packages; its bin."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = _scripts(env_dir)
    target = subprocess.run(
        [
            _command(bin_dir, "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dev_site = next(p for p in site.getsitepackages() if p.endswith("site-packages"))
    Path(target, "dev-dependencies.pth").write_text(dev_site + "\n")
    return bin_dir


def _pip_install(bin_dir: Path, *args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            _command(bin_dir, "python"),
            "install",
            "--no-deps",
            "--quiet",
            *args,
        ],
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed by name, as from the
    package index (pip records no direct URL for that); returns its bin folder."""
    bin_dir = _fresh_venv(tmp_path_factory.mktemp("venv"))
    # --ignore-installed: the development copy, visible through the .pth line, must
    # neither satisfy the requirement nor be uninstalled.
    _pip_install(
        bin_dir,
        "--no-index",
        "--ignore-installed",
        "--find-links",
        str(wheel.parent),
        "kestra-init",
    )
    return bin_dir


def _user_env(bin_dir: Path, cache: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "XDG_CACHE_HOME": str(cache),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


def _installs(project: Path) -> dict[str, str]:
    """What each place of a project that installs kestra-init says to install."""
    devcontainer = json.loads(
        "\n".join(
            line
            for line in (project / ".devcontainer" / "devcontainer.json").read_text().splitlines()
            if not line.lstrip().startswith("//")
        )
    )
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "validate-flows.yml").read_text()
    )
    (install,) = [s for s in workflow["jobs"]["validate"]["steps"] if "KESTRA_INIT_SPEC" in str(s)]
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    readme = (project / "README.md").read_text()
    (readme_line,) = [line for line in readme.splitlines() if "pip install" in line]
    (devcontainer_install,) = [
        command[-1]
        for command in devcontainer.values()
        if isinstance(command, list) and "pip install" in " ".join(map(str, command))
    ]
    return {
        "devcontainer": devcontainer_install,
        "ci": install["env"]["KESTRA_INIT_SPEC"],
        "pre-commit": hooks["repos"][0]["hooks"][0]["additional_dependencies"][0],
        "readme": shlex.split(readme_line.split("#", 1)[0])[-1],
    }


def test_the_wheel_contains_the_template(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    template = [n for n in names if n.startswith("kestra_init/_template/")]
    sources = [
        p.relative_to(REPO_ROOT / "template").as_posix()
        for p in (REPO_ROOT / "template").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert sorted(n.removeprefix("kestra_init/_template/") for n in template) == sorted(sources)
    assert "kestra_init/_template/project/.env.example.jinja" in names
    assert not any(n.startswith("tests/") for n in names)


def test_the_wheel_carries_the_version_of_the_code(wheel: Path) -> None:
    # One source: pyproject.toml reads the version from kestra_init/__init__.py.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "kestra_init/__init__.py"' in pyproject
    assert not any(line.startswith("version =") for line in pyproject.splitlines())
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    fields = Parser().parsestr(archive.read(metadata).decode())
    assert fields["Name"] == "kestra-init"
    assert fields["Version"] == __version__
    assert wheel.name.startswith(f"kestra_init-{__version__}-")


def test_new_works_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    env = _user_env(installed, tmp_path / "cache")
    where = subprocess.run(
        [_command(installed, "python"), "-c", "import kestra_init; print(kestra_init.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where  # the wheel, not the checkout

    result = subprocess.run(
        [_command(installed, "kestra-init"), "new", "fromwheel", "--defaults"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    project = tmp_path / "fromwheel"
    assert (project / "docker-compose.yml").is_file()
    if os.name == "posix":  # Windows has no such permission bits
        assert (project / ".env").stat().st_mode & 0o777 == 0o600
    assert (project / "flows" / "hello_world.yml").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"]
    # The cache was filled from the wheel's own copy of the template.
    cache = tmp_path / "cache" / "kestra-init" / "template"
    assert (cache / "copier.yml").read_bytes() == (
        Path(where).parent / "_template" / "copier.yml"
    ).read_bytes()
    # Codespace, CI, pre-commit and README install exactly this release.
    assert set(_installs(project).values()) == {f"kestra-init=={__version__}"}
    assert answers["kestra_init_pip_spec"] == f"kestra-init=={__version__}"
    assert "a path on this machine" not in result.stderr


def test_a_kestra_init_installed_from_git_pins_that_commit(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A git repository of the code as it is now, installed from its URL as pip does
    # for `pip install git+URL@REF` (the URL is local here: no network).
    repo = tmp_path / "kestra-init-src"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.io", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "release candidate"], cwd=repo, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    bin_dir = _fresh_venv(tmp_path_factory.mktemp("vcs-venv"))
    url = repo.resolve().as_uri()
    _pip_install(bin_dir, "--no-build-isolation", "--ignore-installed", f"git+{url}@{commit}")

    result = subprocess.run(
        [_command(bin_dir, "kestra-init"), "new", "fromgit", "--defaults"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=_user_env(bin_dir, tmp_path / "cache"),
        timeout=300,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    expected = f"git+{url}@{commit}"  # pip takes it as it is, old pips too
    assert set(_installs(tmp_path / "fromgit").values()) == {expected}
    # A file:// repository is this machine's only: said so, with what to do.
    message = " ".join(result.stderr.split())
    assert f"kestra-init was installed from {repo.resolve()}" in message
    assert "--data kestra_init_pip_spec=" in message


OLD_PIN = ("--data", "kestra_init_pip_spec=kestra-init==0.0.9")


def test_update_moves_a_release_pin_to_the_release_doing_the_update(
    installed: Path, tmp_path: Path
) -> None:
    # A template cache that also holds 0.0.9, as on a machine that ran 0.0.9 before.
    cache = tmp_path / "cache"
    old = tmp_path / "old-template"
    shutil.copytree(packaged_template_dir(), old)
    sync_packaged_template(old, "0.0.9", repo=cache / "kestra-init" / "template")
    env = _user_env(installed, cache)
    kestra_init = _command(installed, "kestra-init")
    made = subprocess.run(
        [kestra_init, "new", "p", "--defaults", "--vcs-ref", "0.0.9", *OLD_PIN],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert made.returncode == ExitCode.OK, made.stderr
    project = tmp_path / "p"
    assert set(_installs(project).values()) == {"kestra-init==0.0.9"}

    updated = subprocess.run(
        [kestra_init, "update"], capture_output=True, text=True, check=False, cwd=project, env=env
    )
    assert updated.returncode == ExitCode.OK, updated.stderr
    assert set(_installs(project).values()) == {f"kestra-init=={__version__}"}
