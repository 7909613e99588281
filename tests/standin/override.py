"""A compose override that runs stand-ins in place of Kestra and Postgres.

Applied on top of a project's own ``docker-compose.yml`` (as a second compose
file), it swaps only what cannot run here: the images (no registry), the
entry points (the fake Kestra server and the fake database instead of the JVM
and Postgres) and the database healthcheck (``pg_isready`` is not in the
stand-in). Everything else comes from the project's file and is exercised for
real: Kestra's ``command`` (the stand-in starts as that server command would,
see kestra_standin.py), ports and their ``.env`` interpolation,
``KESTRA_CONFIGURATION`` (datasource, volumes, credentials), the Kestra
healthcheck, ``depends_on`` with ``service_healthy``, restart policy, extra hosts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.standin.image import HOST_PYTHON, IMAGE

TESTS_DIR = Path(__file__).resolve().parent.parent
MOUNT = "/kitest/tests"  # where the tests folder appears inside the stand-ins
KESTRA_ENTRY = f"{MOUNT}/standin/kestra_standin.py"  # a start-up line, then fake_kestra.py
FAKE_POSTGRES = f"{MOUNT}/standin/fake_postgres.py"


def standin_override(
    *,
    kestra_args: Sequence[str] = (),
    postgres: bool = True,
    postgres_args: Sequence[str] = (),
    kestra_healthcheck: bool = False,
) -> dict[str, Any]:
    """The override as a mapping; ``kestra_args`` go to the fake Kestra server."""
    mounts = ["/usr:/usr:ro", f"{TESTS_DIR}:{MOUNT}:ro"]
    fake_args = ["--host", "0.0.0.0", "--port", "8080", "--management-port", "8081"]
    kestra: dict[str, Any] = {
        "image": IMAGE,
        "pull_policy": "never",
        # The project's own `command:` stays: the stand-in starts the way Kestra
        # would with it (server standalone, server local) and its configuration.
        "entrypoint": [HOST_PYTHON, KESTRA_ENTRY],
        "environment": {"KESTRA_STANDIN_ARGS": json.dumps([*fake_args, *kestra_args])},
        "volumes": mounts,
    }
    if kestra_healthcheck:
        # For a project whose Kestra healthcheck needs a tool the stand-in lacks.
        kestra["healthcheck"] = _python_check(
            "import urllib.request,sys; "
            "sys.exit(0 if b'UP' in urllib.request.urlopen('http://127.0.0.1:8081/health', "
            "timeout=2).read() else 1)"
        )
    services: dict[str, Any] = {"kestra": kestra}
    if postgres:
        services["postgres"] = {
            "image": IMAGE,
            "pull_policy": "never",
            "entrypoint": [HOST_PYTHON, FAKE_POSTGRES],
            "command": list(postgres_args),
            "volumes": mounts,
            # pg_isready is not in the stand-in; a short interval keeps tests quick.
            "healthcheck": {
                "test": ["CMD", HOST_PYTHON, FAKE_POSTGRES, "--check"],
                "interval": "1s",
                "timeout": "3s",
                "retries": 5,
                "start_period": "0s",
            },
        }
    return {"services": services}


def write_override(path: Path, **options: Any) -> Path:
    path.write_text(yaml.safe_dump(standin_override(**options), sort_keys=False), encoding="utf-8")
    return path


def _python_check(code: str) -> dict[str, Any]:
    return {
        "test": ["CMD", HOST_PYTHON, "-c", code],
        "interval": "1s",
        "timeout": "3s",
        "retries": 30,
    }
