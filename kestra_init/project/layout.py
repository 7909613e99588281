"""A generated project on disk: where it is and what its files say.

Read once per command: the answers Copier recorded (``.copier-answers.yml``)
and the variables of ``.env``. Nothing here imports a heavy library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, overload

from kestra_init.errors import NotAProjectError, UsageError
from kestra_init.project.envfile import read_env

ANSWERS_FILE = ".copier-answers.yml"
COMPOSE_FILE = "docker-compose.yml"
ENV_FILE = ".env"
ENV_EXAMPLE_FILE = ".env.example"
FLOWS_DIR = "flows"
NAMESPACE_FILES_DIR = "namespace-files"

# The variables of .env, shared by the template, `up` and the API client.
ENV_PORT = "KESTRA_PORT"
ENV_MANAGEMENT_PORT = "KESTRA_MANAGEMENT_PORT"
ENV_ADMIN_EMAIL = "KESTRA_ADMIN_EMAIL"
ENV_ADMIN_PASSWORD = "KESTRA_ADMIN_PASSWORD"
ENV_POSTGRES_PASSWORD = "POSTGRES_PASSWORD"
ENV_SECRET_USERNAME = "SECRET_KESTRA_USERNAME"
ENV_SECRET_PASSWORD = "SECRET_KESTRA_PASSWORD"
ENV_ENCRYPTION_KEY = "KESTRA_ENCRYPTION_KEY"

DEFAULT_PORT = 8080
DEFAULT_MANAGEMENT_PORT = 8081


@dataclass(frozen=True)
class Project:
    """A kestra-init project: a folder with our answers file or compose file."""

    root: Path
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    @cached_property
    def answers(self) -> dict[str, Any]:
        """Copier's recorded answers (never secrets); empty when the file is gone."""
        import yaml  # 20 ms; a sync or run that never reads the answers goes without

        try:
            data = yaml.load(self.answers_path.read_text(encoding="utf-8"), yaml_loader())
        except (FileNotFoundError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}

    @cached_property
    def env(self) -> dict[str, str]:
        """The variables of .env; empty when it does not exist yet."""
        return read_env(self.env_path)

    # Paths -----------------------------------------------------------------
    @property
    def answers_path(self) -> Path:
        return self.root / ANSWERS_FILE

    @property
    def env_path(self) -> Path:
        return self.root / ENV_FILE

    @property
    def env_example_path(self) -> Path:
        return self.root / ENV_EXAMPLE_FILE

    @property
    def compose_path(self) -> Path:
        return self.root / COMPOSE_FILE

    @property
    def flows_dir(self) -> Path:
        return self.root / FLOWS_DIR

    @property
    def namespace_files_dir(self) -> Path:
        return self.root / NAMESPACE_FILES_DIR

    # Settings ----------------------------------------------------------------
    @property
    def slug(self) -> str:
        return str(self.answers.get("project_slug") or self.root.name)

    @property
    def namespace(self) -> str | None:
        value = self.answers.get("namespace")
        return str(value) if value else None

    @property
    def database(self) -> str:
        return str(self.answers.get("database") or "postgres")

    @property
    def ui_port(self) -> int:
        return self._port(ENV_PORT, "kestra_port", DEFAULT_PORT)

    @property
    def management_port(self) -> int:
        return self._port(ENV_MANAGEMENT_PORT, "management_port", DEFAULT_MANAGEMENT_PORT)

    @property
    def admin_email(self) -> str | None:
        return self.env.get(ENV_ADMIN_EMAIL) or self.answers.get("admin_email") or None

    @property
    def admin_password(self) -> str | None:
        return self.env.get(ENV_ADMIN_PASSWORD) or None

    def _port(self, env_key: str, answer_key: str, default: int) -> int:
        """The port .env sets, else the recorded answer, else the default.

        A value that is there but not a port is an error, never a silent
        fallback: a command would otherwise talk to (or print) the wrong port.
        """
        if env_key in self.env:
            return _valid_port(self.env[env_key], env_key, self.env_path, default)
        if self.answers.get(answer_key) is not None:
            return _valid_port(self.answers[answer_key], answer_key, self.answers_path, default)
        return default


def _valid_port(raw: object, key: str, path: Path, example: int) -> int:
    text = str(raw).strip()
    if not isinstance(raw, bool) and text.isdigit() and 1 <= int(text) <= 65535:
        return int(text)
    raise UsageError(
        f"{key}={text} in {path} is not a port",
        "A port is a whole number from 1 to 65535; "
        + (f"{path.name} gives {key} the value {text!r}." if text else f"{key} is empty."),
        f"set it to a free port in {path}, for example {key}={example}",
    )


def yaml_loader() -> Any:
    """PyYAML's safe loader: libyaml's (several times faster) when PyYAML has it.

    The one place that choice is made, for every YAML kestra-init reads (flows,
    compose files, copier.yml, answers, what a server sent back).
    """
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_project_dir(path: Path) -> bool:
    return (path / ANSWERS_FILE).is_file() or (
        (path / COMPOSE_FILE).is_file() and (path / FLOWS_DIR).is_dir()
    )


@overload
def find_project(start: Path | None = None, *, required: Literal[True] = True) -> Project: ...


@overload
def find_project(start: Path | None = None, *, required: bool) -> Project | None: ...


def find_project(start: Path | None = None, *, required: bool = True) -> Project | None:
    """The project that holds ``start`` (default: the current folder), or None.

    Walks up the folders like git does, so commands work from a sub-folder.
    """
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_project_dir(candidate):
            return Project(candidate)
    if required:
        raise NotAProjectError(
            f"{here} is not inside a kestra-init project",
            f"No {ANSWERS_FILE} or {COMPOSE_FILE} with a {FLOWS_DIR}/ folder was found "
            "here or in any parent folder.",
            "cd into a project made by `kestra-init new`, pass --project PATH, "
            "or create one with `kestra-init new myproj`",
        )
    return None


def require_project(start: Path | None = None) -> Project:
    """The project that holds ``start``; ``NotAProjectError`` when there is none."""
    return find_project(start, required=True)
