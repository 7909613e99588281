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

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
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


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    target = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dev_site = next(p for p in site.getsitepackages() if p.endswith("site-packages"))
    Path(target, "dev-dependencies.pth").write_text(dev_site + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(bin_dir / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return bin_dir


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


def test_new_works_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "PATH": f"{installed}{os.pathsep}{os.environ['PATH']}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }
    where = subprocess.run(
        [str(installed / "python"), "-c", "import kestra_init; print(kestra_init.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where  # the wheel, not the checkout

    result = subprocess.run(
        [str(installed / "kestra-init"), "new", "fromwheel", "--defaults"],
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
    assert (project / ".env").stat().st_mode & 0o777 == 0o600
    assert (project / "flows" / "hello_world.yml").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"]
    # The cache was filled from the wheel's own copy of the template.
    cache = tmp_path / "cache" / "kestra-init" / "template"
    assert (cache / "copier.yml").read_bytes() == (
        Path(where).parent / "_template" / "copier.yml"
    ).read_bytes()
