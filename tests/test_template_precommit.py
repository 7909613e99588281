"""The pre-commit configuration a new project gets, and the hooks this repository provides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kestra_init.commands.new import create_project
from tests.helpers import REPO_ROOT


def render(root: Path, monkeypatch: pytest.MonkeyPatch, *data: str) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(root.parent / "cache"))
    create_project(root, data=list(data), defaults=True, git=False, interactive=False)
    return root


def test_a_new_project_validates_its_flows_before_each_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = "kestra-init==0.2.0"
    root = render(tmp_path / "shop", monkeypatch, f"kestra_init_pip_spec={spec}")
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    (hook,) = repo["hooks"]
    assert repo["repo"] == "local"
    assert hook["entry"] == "kestra-init validate"
    assert hook["language"] == "python"
    # The release that made the project, as pip installs it in CI and codespaces.
    assert hook["additional_dependencies"] == [spec]
    assert hook["pass_filenames"] is False
    # A local hook must say which files start it (pre-commit's own rule).
    assert "flows/" in hook["files"]
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert answers["pre_commit"] is True


def test_the_answer_no_leaves_it_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = render(tmp_path / "plain", monkeypatch, "pre_commit=no", "github_actions=no")
    assert not (root / ".pre-commit-config.yaml").exists()


def test_the_spec_is_asked_for_pre_commit_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a devcontainer or CI, the pin still reaches the pre-commit hook.
    root = render(
        tmp_path / "solo",
        monkeypatch,
        "devcontainer=no",
        "github_actions=no",
        "kestra_init_pip_spec=kestra-init==9.9.9",
    )
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    assert config["repos"][0]["hooks"][0]["additional_dependencies"] == ["kestra-init==9.9.9"]


def test_the_hooks_this_repository_provides() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"kestra-init-validate", "kestra-init-validate-files"}
    for hook in hooks:
        # What pre-commit requires of a hook definition, and a console script we install.
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python" and hook["entry"].split()[0] == "kestra-init"
    assert by_id["kestra-init-validate"]["pass_filenames"] is False
    assert by_id["kestra-init-validate-files"].get("pass_filenames", True) is True
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'kestra-init = "kestra_init.cli:main"' in pyproject
