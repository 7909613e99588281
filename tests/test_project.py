"""Finding a project and reading its settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.errors import NotAProjectError
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
