"""`.env` from `.env.example` with fresh secrets (after `new`, and in `up` on a fresh clone)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kestra_init.errors import UsageError
from kestra_init.project.checks import encryption_key_problem
from kestra_init.project.credentials import password_problem
from kestra_init.project.env_create import add_missing_secrets, create_env_file
from kestra_init.project.envfile import read_env
from tests.helpers import assert_owner_only

EXAMPLE = """\
# Ports
KESTRA_PORT=8080
KESTRA_MANAGEMENT_PORT=8081
KESTRA_ADMIN_EMAIL=admin@example.com
KESTRA_ADMIN_PASSWORD=
POSTGRES_PASSWORD=
SECRET_KESTRA_USERNAME=
SECRET_KESTRA_PASSWORD=
# a variable the user added to the example
SECRET_WAREHOUSE_TOKEN=
"""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".env.example").write_text(EXAMPLE)
    return tmp_path


def test_env_holds_every_variable_with_fresh_secrets_readable_by_owner_only(root: Path) -> None:
    path = create_env_file(root)
    assert path == root / ".env"
    assert_owner_only(path)
    env = read_env(path)
    assert list(env) == [
        "KESTRA_PORT",
        "KESTRA_MANAGEMENT_PORT",
        "KESTRA_ADMIN_EMAIL",
        "KESTRA_ADMIN_PASSWORD",
        "POSTGRES_PASSWORD",
        "SECRET_KESTRA_USERNAME",
        "SECRET_KESTRA_PASSWORD",
        "SECRET_WAREHOUSE_TOKEN",
    ]
    assert env["KESTRA_PORT"] == "8080"
    assert password_problem(env["KESTRA_ADMIN_PASSWORD"]) is None
    assert len(env["POSTGRES_PASSWORD"]) >= 24 and env["POSTGRES_PASSWORD"].isalnum()
    assert env["SECRET_KESTRA_USERNAME"] == _b64("admin@example.com")
    assert env["SECRET_KESTRA_PASSWORD"] == _b64(env["KESTRA_ADMIN_PASSWORD"])
    assert env["SECRET_WAREHOUSE_TOKEN"] == ""
    assert "never commit it" in path.read_text()


def test_two_projects_never_share_secrets(tmp_path: Path) -> None:
    envs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env.example").write_text(EXAMPLE)
        envs.append(read_env(create_env_file(tmp_path / name)))
    assert envs[0]["KESTRA_ADMIN_PASSWORD"] != envs[1]["KESTRA_ADMIN_PASSWORD"]
    assert envs[0]["POSTGRES_PASSWORD"] != envs[1]["POSTGRES_PASSWORD"]


def test_a_given_login_is_used(root: Path) -> None:
    env = read_env(
        create_env_file(root, admin_password="Chosen-Pass-99", admin_email="ops@corp.example")
    )
    assert env["KESTRA_ADMIN_PASSWORD"] == "Chosen-Pass-99"
    assert env["KESTRA_ADMIN_EMAIL"] == "ops@corp.example"
    assert env["SECRET_KESTRA_USERNAME"] == _b64("ops@corp.example")
    assert env["SECRET_KESTRA_PASSWORD"] == _b64("Chosen-Pass-99")


def test_h2_projects_get_no_database_password(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(EXAMPLE.replace("POSTGRES_PASSWORD=\n", ""))
    assert "POSTGRES_PASSWORD" not in read_env(create_env_file(tmp_path))


def test_an_existing_env_is_never_overwritten(root: Path) -> None:
    (root / ".env").write_text("KESTRA_ADMIN_PASSWORD=Keep-Me-1\n")
    with pytest.raises(UsageError, match="already exists") as caught:
        create_env_file(root)
    assert "never overwrites" in caught.value.why
    assert (root / ".env").read_text() == "KESTRA_ADMIN_PASSWORD=Keep-Me-1\n"


def test_a_missing_example_is_a_usage_error_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.env\.example is missing") as caught:
        create_env_file(tmp_path)
    assert "git checkout -- .env.example" in caught.value.fix
    assert not (tmp_path / ".env").exists()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"admin_password": "weak"}, "at least 8 characters"),
        ({"admin_password": "Has$Dollar1"}, "'$'"),
        ({"admin_email": "admin"}, "not an email address"),
    ],
)
def test_unusable_credentials_are_refused_and_nothing_is_written(
    root: Path, kwargs: dict[str, str], reason: str
) -> None:
    with pytest.raises(UsageError) as caught:
        create_env_file(root, **kwargs)
    assert reason in caught.value.why
    assert not (root / ".env").exists()


def test_a_rendered_project_gets_a_new_env_after_a_fresh_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kestra_init.commands.new import create_project

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "proj"
    create_project(project, defaults=True, git=False, interactive=False)
    first = read_env(project / ".env")
    (project / ".env").unlink()  # .env is git-ignored: a clone does not have it

    second = read_env(create_env_file(project))

    assert list(second) == list(first)
    assert second["KESTRA_ADMIN_EMAIL"] == first["KESTRA_ADMIN_EMAIL"]
    assert second["KESTRA_ADMIN_PASSWORD"] != first["KESTRA_ADMIN_PASSWORD"]


def test_the_encryption_key_is_generated_as_an_aes_256_key(root: Path) -> None:
    (root / ".env.example").write_text(EXAMPLE + "KESTRA_ENCRYPTION_KEY=\n")
    env = read_env(create_env_file(root))
    assert len(base64.b64decode(env["KESTRA_ENCRYPTION_KEY"], validate=True)) == 32
    other = tmp_env(root.parent / "other", EXAMPLE + "KESTRA_ENCRYPTION_KEY=\n")
    assert other["KESTRA_ENCRYPTION_KEY"] != env["KESTRA_ENCRYPTION_KEY"]


def tmp_env(folder: Path, example: str) -> dict[str, str]:
    folder.mkdir()
    (folder / ".env.example").write_text(example)
    return read_env(create_env_file(folder))


def test_an_older_env_gets_the_new_key_appended_and_keeps_every_byte(root: Path) -> None:
    create_env_file(root)  # made before the example listed the key
    before = (root / ".env").read_bytes()
    (root / ".env.example").write_text(EXAMPLE + "KESTRA_ENCRYPTION_KEY=\n")
    assert add_missing_secrets(root) == ["KESTRA_ENCRYPTION_KEY"]
    after = (root / ".env").read_bytes()
    assert after.startswith(before)
    assert encryption_key_problem(read_env(root / ".env")["KESTRA_ENCRYPTION_KEY"]) is None
    assert add_missing_secrets(root) == []  # once only
    assert (root / ".env").read_bytes() == after
    # A missing database password is never made up: it must match the volume.
    assert "POSTGRES_PASSWORD" not in after.decode().split("kestra-init up")[-1]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("not base64!", "not base64"),
        (base64.b64encode(b"x" * 10).decode(), "10 bytes"),
        (base64.b64encode(b"x" * 32).decode(), None),
        (base64.b64encode(b"x" * 16).decode(), None),
    ],
)
def test_an_unusable_encryption_key_is_named(value: str, problem: str | None) -> None:
    found = encryption_key_problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)
