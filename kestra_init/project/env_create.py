"""Create a project's ``.env`` from its ``.env.example``, with fresh secrets.

``new`` calls this right after rendering the template, and ``up`` calls it on
a fresh clone where ``.env`` (git-ignored) does not exist yet. It never
overwrites an existing ``.env``: that file holds the credentials a running
stack and its database volume were set up with.
"""

from __future__ import annotations

import base64
import secrets
import string
from pathlib import Path

from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.project import (
    ENV_ADMIN_EMAIL,
    ENV_ADMIN_PASSWORD,
    ENV_ENCRYPTION_KEY,
    ENV_EXAMPLE_FILE,
    ENV_FILE,
    ENV_POSTGRES_PASSWORD,
    ENV_SECRET_PASSWORD,
    ENV_SECRET_USERNAME,
)
from kestra_init.project.credentials import generate_password, password_problem, username_problem
from kestra_init.project.envfile import read_env, write_env

_HEADER = """\
Secrets and ports of this project, read by docker-compose.yml.
Made by kestra-init from .env.example. Readable by you only (mode 600);
git-ignored: never commit it. The admin login is KESTRA_ADMIN_EMAIL /
KESTRA_ADMIN_PASSWORD; SECRET_* are the same values in base64 for flows."""


def create_env_file(
    root: Path,
    *,
    admin_password: str | None = None,
    admin_email: str | None = None,
) -> Path:
    """Write ``root/.env`` (mode 0600) from ``root/.env.example``; return its path.

    Every variable of the example is kept, with its value when it has one.
    Secrets are filled in: the admin password (``admin_password``, or a
    generated one when None or empty), a generated PostgreSQL password when the
    example has that variable, and the base64 ``SECRET_*`` copies of the login
    that flows read through ``secret()``.
    """
    env_path = root / ENV_FILE
    example_path = root / ENV_EXAMPLE_FILE
    if env_path.exists():
        raise UsageError(
            f"{env_path} already exists",
            "kestra-init never overwrites .env: it holds the credentials your stack "
            "and its database were set up with.",
            "keep it, or move it away first if you really want new secrets "
            "(a PostgreSQL volume keeps its old password: `kestra-init down --volumes` resets it)",
        )
    if not example_path.is_file():
        raise UsageError(
            f"{example_path} is missing, so .env cannot be made",
            ".env.example lists the variables docker-compose.yml needs.",
            "restore it from git (git checkout -- .env.example) or run kestra-init update",
        )
    values = read_env(example_path)

    email = admin_email or values.get(ENV_ADMIN_EMAIL) or ""
    problem = username_problem(email)
    if problem:
        raise UsageError(
            "The Kestra admin email is not usable",
            problem + ".",
            f"set {ENV_ADMIN_EMAIL} in {ENV_EXAMPLE_FILE} to an email address "
            "such as admin@example.com",
        )
    password = admin_password or generate_password()
    problem = password_problem(password)
    if problem:
        raise UsageError(
            "The Kestra admin password is not usable",
            problem + ".",
            "choose another one, or leave it empty to have a strong one generated",
        )

    values[ENV_ADMIN_EMAIL] = email
    values[ENV_ADMIN_PASSWORD] = password
    if ENV_POSTGRES_PASSWORD in values:
        values[ENV_POSTGRES_PASSWORD] = _database_password()
    for key, make in GENERATED.items():
        if key in values and not values[key]:
            values[key] = make()
    values[ENV_SECRET_USERNAME] = _base64(email)
    values[ENV_SECRET_PASSWORD] = _base64(password)
    try:
        write_env(env_path, values, header=_HEADER)
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot write {env_path}",
            error.strerror or str(error),
            "check that the project folder is writable",
        ) from error
    return env_path


def add_missing_secrets(root: Path) -> list[str]:
    """Append to ``root/.env`` the generated secrets its ``.env.example`` lists and it lacks.

    A project made by an older kestra-init, then updated, gets new variables in
    .env.example (the encryption key) that its existing .env does not have, and
    Compose would refuse to start. Only values that are safe to make up are
    added: a new PostgreSQL password would not match the database volume. The
    file's existing text is kept byte for byte; new lines go at its end.
    Returns the names added.
    """
    env_path = root / ENV_FILE
    example = read_env(root / ENV_EXAMPLE_FILE)
    current = read_env(env_path)
    missing = [key for key in GENERATED if key in example and not current.get(key)]
    if not missing:
        return []
    try:
        text = env_path.read_text(encoding="utf-8")
        lines = [f"{key}={GENERATED[key]()}" for key in missing]
        separator = "" if not text or text.endswith("\n") else "\n"
        added = "# Added by kestra-init up (listed in .env.example, missing here)\n"
        with env_path.open("a", encoding="utf-8") as handle:
            handle.write(separator + added + "\n".join(lines) + "\n")
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot add {', '.join(missing)} to {env_path}",
            error.strerror or str(error),
            f"add {missing[0]}=$(openssl rand -base64 32) to it by hand, or make it writable",
        ) from error
    return missing


def encryption_key() -> str:
    """32 random bytes in base64: an AES-256 key, as Kestra's EncryptionService decodes it."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _database_password(length: int = 32) -> str:
    # Letters and digits only: it travels through .env, Compose and a JDBC config.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


# Secrets kestra-init makes when .env.example lists them empty.
GENERATED = {ENV_ENCRYPTION_KEY: encryption_key}


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
