"""The first-day path on the real Kestra and Postgres images, where the engine has them.

Everywhere else the tests run a generated project with stand-ins (tests/standin/),
because no image registry is reachable where they run. On a machine whose Docker
engine already holds the images the template pins, this test runs the real thing:
`new` -> `up --smoke` (hello_world must end in SUCCESS) -> `status` -> `down --volumes`.
Without the images it skips and says how to get them; it never pulls (`up` would).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import assert_no_traceback, json_data
from tests.standin.project import compose_down, free_port, new_project, unique_slug

NAMESPACE = "kitest.real"


def missing_images(compose_file: Path) -> list[str]:
    services = yaml.safe_load(compose_file.read_text(encoding="utf-8"))["services"]
    images = sorted({service["image"] for service in services.values()})
    return [
        image
        for image in images
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode
    ]


def test_first_day_path_on_the_real_images(tmp_path: Path, cli, docker_engine: None) -> None:  # type: ignore[no-untyped-def]
    slug = unique_slug("real")
    ui_port, management_port = free_port(), free_port()
    root = new_project(
        cli,
        tmp_path / "proj",
        slug,
        ui_port=ui_port,
        management_port=management_port,
        namespace=NAMESPACE,
        data=("example_flows=hello_world",),
    )
    missing = missing_images(root / "docker-compose.yml")
    if missing:
        pytest.skip(
            f"the images {', '.join(missing)} are not on this Docker engine and no registry "
            "is reachable here to pull them (the real Kestra cannot run, so the stand-in "
            f"tests cover the stack); `docker pull {' '.join(missing)}` on a machine with "
            "network access runs this test"
        )
    try:
        up = cli("up", "--smoke", "--timeout", "300", cwd=root, timeout=900)
        assert_no_traceback(up)
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"http://localhost:{ui_port}" in up.stdout

        status = cli("status", "--json", cwd=root)
        assert status.returncode == 0, status.stderr
        report = json_data(status.stdout, "status")
        assert report["kestra"]["version"].startswith("1.")
        assert {flow["id"]: flow["state"] for flow in report["flows"]} == {"hello_world": "same"}

        down = cli("down", "--volumes", "--yes", cwd=root)
        assert down.returncode == 0, down.stderr
    finally:
        compose_down(slug, root)
