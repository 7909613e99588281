"""Checks of the project's configuration: ``.env`` against Kestra's rules.

`up` runs them before starting anything; `doctor` lists them with the rest.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from kestra_init.check_result import CheckResult, failed, passed, skipped, warning
from kestra_init.errors import KestraInitError, UsageError
from kestra_init.project import layout as proj
from kestra_init.project.credentials import password_problem, username_problem
from kestra_init.project.layout import Project


def check_env_file(project: Project) -> CheckResult:
    """``.env`` exists and its credentials and ports meet Kestra's rules."""
    title = ".env present and valid"
    path = project.env_path
    if not path.is_file():
        return failed(
            "env-file",
            title,
            UsageError(
                f"{path} does not exist",
                "It holds the stack's ports and the Kestra and database credentials.",
                "Run `kestra-init up`, which creates it from .env.example with fresh secrets",
            ),
        )
    try:
        env = project.env
    except KestraInitError as error:  # not UTF-8, unreadable: doctor goes on with the rest
        return failed("env-file", title, error)
    problems = env_problems(env, project.database)
    if problems:
        return failed(
            "env-file",
            title,
            UsageError(
                f"{path} has {len(problems)} problem{'s' if len(problems) > 1 else ''}",
                "; ".join(problems) + ".",
                f"Edit {path} (keep it out of git), then run the command again",
            ),
            detail="; ".join(problems),
        )
    return passed("env-file", title, str(path))


def check_flow_secrets(project: Project) -> CheckResult:
    """SECRET_KESTRA_* in .env still hold the login, in base64.

    The starter flow that calls Kestra's API logs in with ``secret('KESTRA_USERNAME')``
    and ``secret('KESTRA_PASSWORD')``. Someone who changes the login in .env (as the
    project's README invites) easily forgets these two: the stack starts, and that
    flow then fails with 401 at run time. A warning, not a failure: only flows that
    use the secrets are affected.
    """
    title = "Flow secrets match the login"
    if not project.env_path.is_file():
        return skipped("flow-secrets", title, "needs .env")
    try:
        env = project.env
    except KestraInitError:
        return skipped("flow-secrets", title, ".env cannot be read")
    pairs = (
        (proj.ENV_SECRET_USERNAME, proj.ENV_ADMIN_EMAIL),
        (proj.ENV_SECRET_PASSWORD, proj.ENV_ADMIN_PASSWORD),
    )
    stale: list[str] = []
    checked: list[str] = []
    for secret_key, login_key in pairs:
        encoded, login = env.get(secret_key), env.get(login_key)
        if encoded is None or not login:
            continue  # not used by this project, or the .env check reports it
        checked.append(secret_key)
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            stale.append(f"{secret_key} is not valid base64")
            continue
        if decoded != login:
            stale.append(f"{secret_key} is not {login_key} in base64")
    if not checked:
        return skipped("flow-secrets", title, "no SECRET_KESTRA_* in .env")
    if not stale:
        return passed("flow-secrets", title, "SECRET_KESTRA_* hold the login")
    return warning(
        "flow-secrets",
        title,
        "; ".join(stale) + ": flows that log in with secret() will get 401",
        "Set each again from the login in .env, e.g. SECRET_KESTRA_PASSWORD=$(printf '%s' "
        "'THE_PASSWORD' | base64), then run `kestra-init up` (Kestra reads them at start)",
    )


def env_problems(env: Mapping[str, str], database: str) -> list[str]:
    """What in these .env values Kestra or Compose would refuse."""
    problems: list[str] = []
    email = env.get(proj.ENV_ADMIN_EMAIL, "")
    if not email:
        problems.append(f"{proj.ENV_ADMIN_EMAIL} is missing")
    elif reason := username_problem(email):
        problems.append(f"{proj.ENV_ADMIN_EMAIL}: {reason}")
    password = env.get(proj.ENV_ADMIN_PASSWORD, "")
    if not password:
        problems.append(f"{proj.ENV_ADMIN_PASSWORD} is missing")
    elif reason := password_problem(password):
        problems.append(f"{proj.ENV_ADMIN_PASSWORD}: {reason}")
    if database == "postgres" and not env.get(proj.ENV_POSTGRES_PASSWORD):
        problems.append(f"{proj.ENV_POSTGRES_PASSWORD} is missing")
    key_problem = encryption_key_problem(env.get(proj.ENV_ENCRYPTION_KEY))
    if key_problem:
        problems.append(f"{proj.ENV_ENCRYPTION_KEY}: {key_problem}")
    ports: dict[str, int] = {}
    for key in (proj.ENV_PORT, proj.ENV_MANAGEMENT_PORT):
        raw = env.get(key)
        if raw is None or raw == "":
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            problems.append(f"{key}={raw} is not a port number (1 to 65535)")
        else:
            ports[key] = int(raw)
    if len(ports) == 2 and len(set(ports.values())) == 1:
        problems.append(f"{proj.ENV_PORT} and {proj.ENV_MANAGEMENT_PORT} are the same port")
    return problems


def encryption_key_problem(value: str | None) -> str | None:
    """Why Kestra could not use this encryption key, or None (also when it is not set).

    Kestra 1.3 base64-decodes ``kestra.encryption.secret-key`` into an AES key
    (core/.../encryption/EncryptionService.java), so it must decode to 16, 24 or
    32 bytes. Not set is fine for a project whose compose file does not use it.
    """
    if value is None:
        return None
    if not value:
        return "it is empty (make one with `openssl rand -base64 32`)"
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        return "it is not base64 (make one with `openssl rand -base64 32`)"
    if len(raw) not in (16, 24, 32):
        return f"it decodes to {len(raw)} bytes; an AES key has 16, 24 or 32"
    return None
