"""The generated stack's Docker choices, checked on a real engine.

No Kestra image can be pulled here, so a stand-in image (an empty root file
system running the host's own bash and Python, see tests/standin/image.py)
plays the containers. What is checked is what the template decides itself:
- the Kestra healthcheck (bash's /dev/tcp, no curl) passes on a 200 from
  /health and fails on a 503 or when nothing listens;
- the networking note: a task container on the project's compose network
  reaches Kestra as http://kestra:8080 (what the API flow does with the Docker
  runner), while host.docker.internal cannot reach a port that compose
  publishes on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
from tests.standin.image import HOST_PYTHON, ensure_image

# A tiny /health endpoint: 200 with UP, or the status code given.
HEALTH_SERVER = """
import http.server, sys
code = int(sys.argv[1])
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status":"UP"}' if code == 200 else b'{"status":"DOWN"}'
        self.send_response(code if self.path == "/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", 8081), Health).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def standin(docker_engine: None) -> str:
    return ensure_image()


@pytest.fixture(scope="module")
def stack_project(cli_module, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("docker-stack")
    slug = f"kinew-net-{int(time.time() * 1000) % 10_000_000}"
    result = cli_module(
        "new",
        base / slug,
        "--defaults",
        "--no-git",
        "--data",
        "database=h2",
        "--data",
        f"kestra_port={_free_port()}",
        "--data",
        f"management_port={_free_port()}",
        env={"XDG_CACHE_HOME": str(base / "cache")},
    )
    assert result.returncode == ExitCode.OK, result.stderr
    return base / slug


@pytest.fixture(scope="module")
def cli_module():  # type: ignore[no-untyped-def]
    """The `cli` fixture's runner, for module-scoped fixtures."""
    import os
    import sys

    def run(*args, env=None):  # type: ignore[no-untyped-def]
        return subprocess.run(
            [sys.executable, "-m", "kestra_init", *map(str, args)],
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    return run


def _compose_model(project: Path) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        ["docker", "compose", "config", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def healthcheck(standin: str, stack_project: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The Kestra healthcheck as Docker runs it: read from a container Compose created."""
    override = _standin_override(standin, tmp_path_factory.mktemp("hc") / "standin.yml")
    compose = ["docker", "compose", "-f", "docker-compose.yml", "-f", str(override)]
    try:
        subprocess.run(
            [*compose, "create", "kestra"], cwd=stack_project, capture_output=True, check=True
        )
        ids = subprocess.run(
            [*compose, "ps", "-a", "-q", "kestra"],
            cwd=stack_project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        inspected = subprocess.run(
            ["docker", "inspect", ids[0]], capture_output=True, text=True, check=True
        )
        return json.loads(inspected.stdout)[0]["Config"]["Healthcheck"]["Test"]
    finally:
        subprocess.run(
            [*compose, "down", "-v"], cwd=stack_project, capture_output=True, check=False
        )


@pytest.mark.docker
@pytest.mark.parametrize(("server", "healthy"), [("200", True), ("503", False), (None, False)])
def test_the_kestra_healthcheck_needs_a_200_from_health(
    standin: str, healthcheck: list[str], server: str | None, healthy: bool
) -> None:
    assert healthcheck[:2] == ["CMD", "bash"]  # no curl in Kestra's image
    start = f"{HOST_PYTHON} -c {_shell_quote(HEALTH_SERVER)} {server} & sleep 1; " if server else ""
    script = start + " ".join(_shell_quote(part) for part in healthcheck[1:])
    result = subprocess.run(
        ["docker", "run", "--rm", "-v", "/usr:/usr:ro", standin, "bash", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode == 0) == healthy, result.stderr


@pytest.mark.docker
def test_task_containers_reach_kestra_on_the_compose_network_not_via_the_host(
    standin: str, stack_project: Path, tmp_path: Path
) -> None:
    model = _compose_model(stack_project)
    network = model["networks"]["default"]["name"]
    published = int(next(p["published"] for p in model["services"]["kestra"]["ports"]))
    override = _standin_override(standin, tmp_path / "standin.yml")
    compose = ["docker", "compose", "-f", "docker-compose.yml", "-f", str(override)]
    try:
        subprocess.run(
            [*compose, "up", "-d"], cwd=stack_project, capture_output=True, check=True, timeout=120
        )
        _wait_for(f"http://127.0.0.1:{published}/")

        def fetch_from_task(url: str, *docker_args: str) -> subprocess.CompletedProcess[str]:
            code = (
                f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=5).status)"
            )
            return subprocess.run(
                [
                    "docker",
                    "run",
                    "--rm",
                    *docker_args,
                    "-v",
                    "/usr:/usr:ro",
                    standin,
                    HOST_PYTHON,
                    "-c",
                    code,
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )

        # What flows/kestra_api.yml does with the Docker runner (networkMode).
        flow = yaml.safe_load((stack_project / "flows" / "kestra_api.yml").read_text())
        assert flow["tasks"][0]["taskRunner"]["networkMode"] == network
        joined = fetch_from_task("http://kestra:8080/", "--network", network)
        assert joined.stdout.strip() == "200", joined.stderr

        # The way the README warns about: the host's gateway, to a 127.0.0.1 port.
        via_host = fetch_from_task(
            f"http://host.docker.internal:{published}/",
            "--add-host",
            "host.docker.internal:host-gateway",
        )
        assert via_host.returncode != 0
        assert "Connection refused" in via_host.stderr
    finally:
        subprocess.run(
            # -t 0: http.server ignores SIGTERM; no need to wait 10 s for it.
            [*compose, "down", "-v", "--remove-orphans", "-t", "0"],
            cwd=stack_project,
            capture_output=True,
            check=False,
            timeout=120,
        )


def _standin_override(image: str, path: Path) -> Path:
    """Kestra's service played by Python's http.server on 8080 (no registry here)."""
    service = {
        "image": image,
        "pull_policy": "never",
        "entrypoint": [HOST_PYTHON, "-m", "http.server", "8080"],
        "command": [],
        "volumes": ["/usr:/usr:ro"],
    }
    path.write_text(yaml.safe_dump({"services": {"kestra": service}}))
    return path


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
