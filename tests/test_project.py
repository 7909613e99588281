"""Finding a project and reading its settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.errors import NotAProjectError, UsageError
from kestra_init.project import find_project


def make_project(root: Path, env: str = "", answers: str = "") -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "docker-compose.yml").write_text("services: {}\n")
    (root / ".copier-answers.yml").write_text(answers)
    (root / ".env").write_text(env)
    return root


def test_found_from_a_sub_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", answers="project_slug: proj\nnamespace: company.team\n")
    project = find_project(root / "flows")
    assert project is not None
    assert project.root == root.resolve()
    assert project.namespace == "company.team"
    assert project.slug == "proj"


def test_env_wins_over_answers_for_ports(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        env="KESTRA_PORT=18080\nKESTRA_ADMIN_EMAIL=me@example.com\nKESTRA_ADMIN_PASSWORD=Abcdef12\n",
        answers="kestra_port: 8080\nmanagement_port: 8081\n",
    )
    project = find_project(root)
    assert project is not None
    assert (project.ui_port, project.management_port) == (18080, 8081)
    assert (project.admin_email, project.admin_password) == ("me@example.com", "Abcdef12")


def test_outside_a_project_the_error_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError) as caught:
        find_project(tmp_path)
    assert "kestra-init new" in caught.value.fix
    assert find_project(tmp_path, required=False) is None


@pytest.mark.parametrize("value", ["abc", "0", "70000", "", "80.5", "-1"])
def test_a_port_in_env_that_is_not_a_port_is_an_error_naming_it(tmp_path: Path, value: str) -> None:
    root = make_project(tmp_path / "p", env=f"KESTRA_MANAGEMENT_PORT={value}\n")
    project = find_project(root)
    assert project is not None
    with pytest.raises(UsageError) as caught:
        _ = project.management_port
    assert f"KESTRA_MANAGEMENT_PORT={value} in {root.resolve() / '.env'}" in caught.value.what
    assert project.ui_port == 8080  # missing: the default, as before


def test_a_broken_recorded_port_is_an_error_too(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", answers="kestra_port: eighty\n")
    project = find_project(root)
    assert project is not None
    with pytest.raises(UsageError) as caught:
        _ = project.ui_port
    assert ".copier-answers.yml" in caught.value.what and "eighty" in caught.value.what
