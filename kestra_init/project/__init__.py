"""A generated project on disk: its folders, ``.env``, credentials and their checks.

- ``layout``: where a project is (``find_project``), its files and what they say;
- ``envfile``: reading and writing ``.env``;
- ``env_create``: a fresh ``.env`` from ``.env.example`` with new secrets;
- ``credentials``: Kestra's rules for the login, and a password generator;
- ``checks``: the checks `up` and `doctor` make of ``.env``.

The names most commands need are re-exported here.
"""

from kestra_init.project.layout import (
    ANSWERS_FILE,
    COMPOSE_FILE,
    ENV_ADMIN_EMAIL,
    ENV_ADMIN_PASSWORD,
    ENV_ENCRYPTION_KEY,
    ENV_EXAMPLE_FILE,
    ENV_FILE,
    ENV_MANAGEMENT_PORT,
    ENV_PORT,
    ENV_POSTGRES_PASSWORD,
    ENV_SECRET_PASSWORD,
    ENV_SECRET_USERNAME,
    FLOWS_DIR,
    NAMESPACE_FILES_DIR,
    Project,
    find_project,
    is_project_dir,
    require_project,
    yaml_loader,
)

__all__ = [
    "ANSWERS_FILE",
    "COMPOSE_FILE",
    "ENV_ADMIN_EMAIL",
    "ENV_ADMIN_PASSWORD",
    "ENV_ENCRYPTION_KEY",
    "ENV_EXAMPLE_FILE",
    "ENV_FILE",
    "ENV_MANAGEMENT_PORT",
    "ENV_PORT",
    "ENV_POSTGRES_PASSWORD",
    "ENV_SECRET_PASSWORD",
    "ENV_SECRET_USERNAME",
    "FLOWS_DIR",
    "NAMESPACE_FILES_DIR",
    "Project",
    "find_project",
    "is_project_dir",
    "require_project",
    "yaml_loader",
]
