"""What a new project installs as kestra-init: the kestra-init that made it.

The PEP 610 records below are the shapes pip writes for each kind of install
(packaging.python.org, "Direct URL Data Structure"); the end-to-end cases (an
install from the index, from git) are in tests/test_wheel.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from kestra_init import __version__
from kestra_init.exit_codes import ExitCode
from kestra_init.templating.pip_spec import installed_pip_spec, spec_from_direct_url
from tests.helpers import REPO_ROOT, json_data

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("record", "requirement"),
    [
        (
            {
                "url": "https://github.com/acme/kestra-init.git",
                "vcs_info": {"vcs": "git", "requested_revision": "main", "commit_id": SHA},
            },
            f"kestra-init @ git+https://github.com/acme/kestra-init.git@{SHA}",
        ),
        (
            {
                "url": "https://github.com/acme/tools",
                "subdirectory": "python/kestra init",
                "vcs_info": {"vcs": "git", "commit_id": SHA},
            },
            f"kestra-init @ git+https://github.com/acme/tools@{SHA}"
            "#subdirectory=python/kestra%20init",
        ),
        (
            {
                "url": "https://files.example.com/kestra_init-0.2.0-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": "ab" * 32}},
            },
            "kestra-init @ https://files.example.com/kestra_init-0.2.0-py3-none-any.whl",
        ),
    ],
)
def test_an_install_others_can_reach_is_pinned_as_it_was_made(
    record: dict[str, object], requirement: str
) -> None:
    spec = spec_from_direct_url(record)
    assert spec is not None
    assert spec.requirement == requirement
    assert spec.warning is None
    parsed = Requirement(spec.requirement)  # what pip will parse
    assert parsed.name == "kestra-init" and parsed.url


@pytest.mark.parametrize(
    ("record", "requirement", "path"),
    [
        (
            {"url": "file:///home/ada/kestra-init", "dir_info": {"editable": True}},
            "kestra-init @ file:///home/ada/kestra-init",
            "/home/ada/kestra-init",
        ),
        (
            {"url": "file:///home/ada/my%20clone", "dir_info": {}},
            "kestra-init @ file:///home/ada/my%20clone",
            "/home/ada/my clone",
        ),
        (
            {"url": "file:///srv/kestra-init", "vcs_info": {"vcs": "git", "commit_id": SHA}},
            f"git+file:///srv/kestra-init@{SHA}",
            "/srv/kestra-init",
        ),
    ],
)
def test_an_install_from_a_path_here_works_here_and_is_said_to_be_local(
    record: dict[str, object], requirement: str, path: str
) -> None:
    spec = spec_from_direct_url(record)
    assert spec is not None
    assert spec.requirement == requirement
    assert spec.local_path == path
    warning = spec.warning or ""
    assert f"installed from {path}, a path on this machine" in warning
    assert "codespace and CI" in warning and "--data kestra_init_pip_spec=SPEC" in warning


@pytest.mark.parametrize(
    "record",
    [{}, {"url": ""}, {"url": "https://x", "vcs_info": {"vcs": "git"}}, {"vcs_info": {}}],
)
def test_a_record_that_is_not_understood_gives_no_spec(record: dict[str, object]) -> None:
    assert spec_from_direct_url(record) is None


def test_this_development_copy_is_a_local_install() -> None:
    # The test environment installs the checkout editable (pip install -e .).
    spec = installed_pip_spec()
    assert spec.local_path == str(REPO_ROOT)
    assert spec.requirement == f"kestra-init @ {REPO_ROOT.as_uri()}"


def test_new_puts_the_same_spec_everywhere_and_warns_about_a_local_one(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    result = cli("new", "here", "--defaults", "--json", cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    data = json_data(result.stdout, "new")
    spec = f"kestra-init @ {REPO_ROOT.as_uri()}"
    assert data["answers"]["kestra_init_pip_spec"] == spec
    (warning,) = [w for w in data["warnings"] if "a path on this machine" in w]
    assert str(REPO_ROOT) in warning
    root = tmp_path / "here"
    text = (root / ".devcontainer" / "devcontainer.json").read_text()
    devcontainer = json.loads(
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    )
    installs = [
        command
        for command in devcontainer.values()
        if isinstance(command, list) and "pip install" in " ".join(map(str, command))
    ]
    assert [command[-1] for command in installs] == [spec]  # the one install, of the answer
    workflow = yaml.safe_load((root / ".github" / "workflows" / "validate-flows.yml").read_text())
    assert [
        s["env"]["KESTRA_INIT_SPEC"] for s in workflow["jobs"]["validate"]["steps"] if "env" in s
    ] == [spec]
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["additional_dependencies"] == [spec]
    assert f"pip install '{spec}'" in (root / "README.md").read_text()


def test_an_organisers_spec_replaces_it_and_is_not_warned_about(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    spec = f"kestra-init @ git+https://github.com/acme/kestra-init@v{__version__}"
    result = cli(
        "new", "workshop", "--defaults", "--data", f"kestra_init_pip_spec={spec}",
        cwd=tmp_path, env=template_cache_env,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert "a path on this machine" not in result.stderr
    root = tmp_path / "workshop"
    assert json.dumps(spec) in (root / ".devcontainer" / "devcontainer.json").read_text()
    assert (
        yaml.safe_load((root / ".copier-answers.yml").read_text())["kestra_init_pip_spec"] == spec
    )


def test_a_project_that_installs_kestra_init_nowhere_is_not_warned_about(
    cli, tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    off = ["devcontainer=false", "github_actions=false", "pre_commit=false"]
    data = [arg for pair in off for arg in ("--data", pair)]
    result = cli("new", "plain", "--defaults", *data, cwd=tmp_path, env=template_cache_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "a path on this machine" not in result.stderr
