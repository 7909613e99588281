"""Projects for stand-in stacks, and their teardown.

``minimal_project`` writes a small project by hand, shaped like the official
Kestra compose setup (Postgres with a healthcheck, Kestra gated on it,
credentials from ``.env``), for tests of the stack layer that must not depend
on the template. End-to-end tests use ``kestra-init new`` instead.

Every project gets a compose project name starting with ``kitest-`` and free
ports, so tests never touch anyone else's containers, and ``compose_down``
removes its containers, networks and volumes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path

from kestra_init.project.envfile import write_env

PREFIX = "kitest-"
EMAIL = "admin@example.com"
PASSWORD = "Kitest1234pass"

_COMPOSE = """\
name: {slug}
services:
  postgres:
    image: postgres:16
    environment:
      POSTGRES_DB: kestra
      POSTGRES_USER: kestra
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD}}
    volumes:
      - postgres-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -d $${{POSTGRES_DB}} -U $${{POSTGRES_USER}}"]
      interval: 10s
      timeout: 5s
      retries: 10
  kestra:
    image: kestra/kestra:v1.3
    command: server standalone
    user: "root"
    environment:
      KESTRA_CONFIGURATION: |
        datasources:
          postgres:
            url: jdbc:postgresql://postgres:5432/kestra
            username: kestra
            password: "${{POSTGRES_PASSWORD}}"
        kestra:
          repository:
            type: postgres
          queue:
            type: postgres
          storage:
            type: local
            local:
              base-path: /app/storage
          server:
            basic-auth:
              username: "${{KESTRA_ADMIN_EMAIL}}"
              password: "${{KESTRA_ADMIN_PASSWORD}}"
          url: http://localhost:${{KESTRA_PORT}}/
    ports:
      - "127.0.0.1:${{KESTRA_PORT}}:8080"
      - "127.0.0.1:${{KESTRA_MANAGEMENT_PORT}}:8081"
    volumes:
      - kestra-data:/app/storage
    depends_on:
      postgres:
        condition: service_healthy
volumes:
  postgres-data: {{}}
  kestra-data: {{}}
"""

HELLO_FLOW = """\
id: hello_world
namespace: kitest.demo
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
"""


def unique_slug(label: str = "") -> str:
    return f"{PREFIX}{label + '-' if label else ''}{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_project(
    cli,  # type: ignore[no-untyped-def]
    root: Path,
    slug: str,
    *,
    ui_port: int,
    management_port: int,
    namespace: str,
    data: tuple[str, ...] = (),
) -> Path:
    """`kestra-init new` with a test slug, namespace and ports, no git; refused = failed."""
    answers = (
        f"project_slug={slug}",
        f"namespace={namespace}",
        f"kestra_port={ui_port}",
        f"management_port={management_port}",
        *data,
    )
    created = cli("new", root, "--defaults", "--no-git", *(f"--data={a}" for a in answers))
    assert created.returncode == 0, created.stderr
    return root


def minimal_project(root: Path, slug: str, *, ui_port: int, management_port: int) -> Path:
    """A project folder with docker-compose.yml, .env and one flow."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "docker-compose.yml").write_text(_COMPOSE.format(slug=slug), encoding="utf-8")
    write_env(
        root / ".env",
        {
            "KESTRA_PORT": str(ui_port),
            "KESTRA_MANAGEMENT_PORT": str(management_port),
            "KESTRA_ADMIN_EMAIL": EMAIL,
            "KESTRA_ADMIN_PASSWORD": PASSWORD,
            "POSTGRES_PASSWORD": "Pg1234secret",
        },
    )
    (root / "flows").mkdir(exist_ok=True)
    (root / "flows" / "hello_world.yml").write_text(HELLO_FLOW, encoding="utf-8")
    return root


def compose_down(project_name: str, project_dir: Path) -> None:
    """Remove everything compose made for ``project_name``: containers, networks, volumes."""
    assert project_name.startswith(PREFIX), project_name  # never anyone else's stack
    subprocess.run(
        [
            "docker",
            "compose",
            "-p",
            project_name,
            "down",
            "--volumes",
            "--remove-orphans",
            "-t",
            "1",
        ],
        cwd=project_dir if project_dir.is_dir() else None,
        env={**os.environ, "COMPOSE_FILE": ""},
        capture_output=True,
        check=False,
        timeout=120,
    )
    # Containers of a project whose files are gone: remove them by label.
    listed = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project_name}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.stdout.split():
        subprocess.run(
            ["docker", "rm", "-f", *listed.stdout.split()], capture_output=True, check=False
        )
    for kind in ("volume", "network"):
        found = subprocess.run(
            [
                "docker",
                kind,
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={project_name}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.stdout.split():
            subprocess.run(
                ["docker", kind, "rm", *found.stdout.split()], capture_output=True, check=False
            )
