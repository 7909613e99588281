"""Fixtures every test module may use.

- ``shared_dir``: the read-only ../shared folder (reference docs, course flows,
  schemas); tests that need it skip with the reason when it is absent, as in a
  user's clone of the project.
- ``docker_engine``: skips when no Docker engine and Compose v2 answer, unless
  ``KESTRA_INIT_REQUIRE_DOCKER=1`` (set by ``.ci/run``), which turns the skip
  into a failure so CI can never pass without running those tests.
- ``cli``: runs the installed ``kestra-init`` command in a subprocess, as a user
  would, and returns the completed process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.helpers import SHARED_DIR, docker_problem

# Fixtures for stacks of stand-in containers on the real engine (standin_project...).
pytest_plugins = ("tests.standin.fixtures",)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(
            f"{SHARED_DIR} is absent: it holds the reference schemas and course flows, "
            "which only development and CI machines have"
        )
    return SHARED_DIR


@pytest.fixture(scope="session")
def docker_engine() -> None:
    problem = docker_problem()
    if problem is None:
        return
    message = f"Docker tests cannot run: {problem}. Run .ci/install-docker to get an engine."
    if os.environ.get("KESTRA_INIT_REQUIRE_DOCKER") == "1":
        pytest.fail(message + " (KESTRA_INIT_REQUIRE_DOCKER=1 forbids skipping)")
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the engine `docker`, so `-m "not docker"` leaves them out.

    The ones that ask for ``docker_engine``, themselves or through another fixture
    (the stand-in stacks): CI on macOS and Windows, where no Linux engine runs,
    deselects them instead of collecting a skip for each.
    """
    for item in items:
        if "docker_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.docker)


CliRunner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def cli() -> CliRunner:
    """Run ``kestra-init ARGS`` as a user would; never raises on a non-zero exit."""

    def run(
        *args: str | os.PathLike,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 300,
        prefix: Sequence[str] = (),
    ) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
        full_env.update(env or {})
        command: Sequence[str] = [
            *prefix,
            sys.executable,
            "-m",
            "kestra_init",
            *map(str, args),
        ]
        return subprocess.run(
            command,
            cwd=cwd,
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


# The fake Kestra server (tests/fake_kestra.py) ---------------------------------
@pytest.fixture
def fake_kestra_factory():
    """Start fake Kestra servers with chosen settings; all are stopped after the test.

    ``fake_kestra_factory(startup_delay=2, error_style="problem", username=...)``
    takes the keyword arguments of ``tests.fake_kestra.FakeKestra``.
    """
    from tests.fake_kestra import FakeKestra

    started: list[FakeKestra] = []

    def start(**settings):
        settings.setdefault("task_seconds", 0.05)
        settings.setdefault("quiet", True)
        server = FakeKestra(**settings).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fake_kestra(fake_kestra_factory):
    """A fake Kestra 1.x on 127.0.0.1 (free ports): ``.url``, ``.management_url``,
    ``.username``/``.password``, ``.requests`` (method, path, query, status),
    ``.fail()``/``.slow()``/``.drop()`` faults and ``.flows()``."""
    return fake_kestra_factory()


# The template cache of `kestra-init new` ------------------------------------------
@pytest.fixture(scope="session")
def template_cache_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for commands that render the template: a private XDG_CACHE_HOME.

    `new` and `update` keep a git repository of the template in the cache folder;
    tests keep theirs out of ~/.cache. Pass it as ``cli(..., env=template_cache_env)``.
    """
    return {"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("xdg-cache"))}
