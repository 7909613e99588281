"""Kestra's heap fitted to the machine, and the warning before starting on one too small."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.check_result import Status
from kestra_init.project import Project
from kestra_init.stack.checks import check_memory
from kestra_init.stack.engine import EngineInfo
from kestra_init.stack.jvm_memory import ENV_JAVA_OPTS, GIB, MIB, fit_heap, heap_bytes


@pytest.mark.parametrize(
    ("memory_gb", "database", "heap_mb"),
    [
        (8, "postgres", 2867),  # a 2-core codespace: a third, the rest for Postgres and tasks
        (8, "h2", 3686),  # H2's cache lives in the heap
        (16, "postgres", 4096),  # capped: a development stack gains nothing from more
        (2, "postgres", 1024),  # never below what Kestra starts with
    ],
)
def test_the_heap_is_a_share_of_docker_s_memory(
    memory_gb: int, database: str, heap_mb: int
) -> None:
    assert heap_bytes(memory_gb * GIB, database) // MIB == heap_mb


def _project(tmp_path: Path, env_text: str = "", database: str = "postgres") -> Project:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / ".copier-answers.yml").write_text(f"database: {database}\n")
    (tmp_path / ".env").write_text(env_text)
    return Project(tmp_path)


def test_up_sets_java_opts_for_compose_unless_the_person_chose_them(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    assert fit_heap(_project(tmp_path), 8 * GIB, environ) == "-Xmx2867m"
    assert environ[ENV_JAVA_OPTS] == "-Xmx2867m"
    chosen = {ENV_JAVA_OPTS: "-Xmx1g"}
    assert fit_heap(_project(tmp_path), 8 * GIB, chosen) is None
    assert chosen[ENV_JAVA_OPTS] == "-Xmx1g"
    in_dotenv: dict[str, str] = {}
    assert fit_heap(_project(tmp_path, "KESTRA_JAVA_OPTS=-Xmx3g\n"), 8 * GIB, in_dotenv) is None
    assert in_dotenv == {}
    assert fit_heap(_project(tmp_path), 0, environ := {}) is None and environ == {}


def test_a_small_machine_is_warned_with_the_fix_for_where_it_runs() -> None:
    small = EngineInfo("27.0", 3 * GIB, 2, "codespace")
    in_codespace = check_memory(small, "postgres", heap="-Xmx1024m", codespace=True)
    assert in_codespace.status is Status.WARNING
    assert "3.0 GB" in in_codespace.detail and "1024m" in in_codespace.detail
    assert "machine type" in in_codespace.fix and "database=h2" in in_codespace.fix
    laptop = check_memory(small, "postgres")
    assert "Docker Desktop" in laptop.fix and "machine type" not in laptop.fix
    h2 = check_memory(EngineInfo("27.0", 2 * GIB, 2, "x"), "h2")
    assert h2.status is Status.WARNING and "database=h2" not in h2.fix
    roomy = check_memory(EngineInfo("27.0", 8 * GIB, 2, "x"), "postgres", heap="-Xmx2867m")
    assert roomy.status is Status.PASSED and "heap 2867m" in roomy.detail
