"""Fixtures for tests that run a project's stack on the real Docker engine.

Import them into a test module (``from tests.standin.fixtures import ...``).
Each project is made by ``kestra-init new`` with a ``kitest-`` slug and free
ports, gets the stand-in override as ``standin.yml``, and is taken down with
its volumes after the test, whatever happened.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kestra_init.project.envfile import read_env
from tests.standin.image import IMAGE, ensure_image
from tests.standin.override import write_override
from tests.standin.project import compose_down, free_port, new_project, unique_slug

NAMESPACE = "kitest.e2e"


@dataclass
class StandinProject:
    """A generated project whose stack runs stand-ins; ``env`` selects the override."""

    root: Path
    slug: str
    ui_port: int
    management_port: int
    env: dict[str, str] = field(default_factory=dict)
    database: str = "postgres"

    def override(self, **options: Any) -> Path:
        """(Re)write standin.yml, e.g. ``override(kestra_args=["--startup-delay", "60"])``."""
        options.setdefault("postgres", self.database == "postgres")
        return write_override(self.root / "standin.yml", **options)

    @property
    def dotenv(self) -> dict[str, str]:
        return read_env(self.root / ".env")

    def containers(self) -> dict[str, dict[str, str]]:
        """The stack's containers by service: id, state and start time, from the engine."""
        listed = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={self.slug}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not listed:
            return {}
        inspected = json.loads(
            subprocess.run(
                ["docker", "inspect", *listed], capture_output=True, text=True, check=True
            ).stdout
        )
        return {
            item["Config"]["Labels"]["com.docker.compose.service"]: {
                "id": item["Id"],
                "state": item["State"]["Status"],
                "started_at": item["State"]["StartedAt"],
            }
            for item in inspected
        }

    def volumes(self) -> list[str]:
        return subprocess.run(
            [
                "docker",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.slug}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()

    def fake_flows(self) -> dict[str, str]:
        """The flows the fake Kestra holds, by id (its test control endpoint)."""
        url = f"http://127.0.0.1:{self.management_port}/_fake/flows"
        with urllib.request.urlopen(url, timeout=5) as answer:
            return {flow["id"]: flow["source"] for flow in json.load(answer)}


@pytest.fixture(scope="session")
def standin_image(docker_engine: None) -> str:
    return ensure_image(IMAGE)


@pytest.fixture
def standin_project(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
    standin_image: str,
) -> Iterator[StandinProject]:
    """`kestra-init new` + the stand-in override; the stack is removed afterwards.

    Postgres by default; parametrize indirectly with "h2" for the embedded database.
    """
    database = getattr(request, "param", "postgres")
    slug = unique_slug()
    ui_port, management_port = free_port(), free_port()
    while management_port == ui_port:
        management_port = free_port()
    root = new_project(
        cli,
        tmp_path / "proj",
        slug,
        ui_port=ui_port,
        management_port=management_port,
        namespace=NAMESPACE,
        data=(f"database={database}",),
    )
    project = StandinProject(
        root,
        slug,
        ui_port,
        management_port,
        # The override goes through COMPOSE_FILE, as a user's own override would.
        env={"COMPOSE_FILE": "docker-compose.yml:standin.yml"},
        database=database,
    )
    project.override()
    try:
        yield project
    finally:
        compose_down(slug, root)
