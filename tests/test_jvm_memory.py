"""Kestra's heap fitted to the machine, and the warning before starting on one too small."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.check_result import Status
from kestra_init.project import Project
from kestra_init.stack.checks import check_memory
from kestra_init.stack.engine import EngineInfo
from kestra_init.stack.jvm_memory import (
    ENV_JAVA_OPTS,
    GIB,
    MIB,
    chosen_java_opts,
    fit_heap,
    heap_bytes,
    heap_of,
)


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
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / ".copier-answers.yml").write_text(f"database: {database}\n")
    (tmp_path / ".env").write_text(env_text)
    return Project(tmp_path)


def test_up_writes_java_opts_into_env_once_unless_the_person_chose_them(tmp_path: Path) -> None:
    project = _project(tmp_path, "KESTRA_PORT=8080")  # no newline at the end
    before = (tmp_path / ".env").read_text()
    assert fit_heap(project, 8 * GIB, {}) == "-Xmx2867m"
    after = (tmp_path / ".env").read_text()
    assert after.startswith(before + "\n") and after.endswith("KESTRA_JAVA_OPTS=-Xmx2867m\n")
    assert "7.9 GB" not in after and "8.0 GB" in after  # says what it was fitted to
    # Written once: the value is the person's from then on, whatever the machine.
    again = Project(tmp_path)
    assert fit_heap(again, 16 * GIB, {}) is None
    assert chosen_java_opts(again, {}) == "-Xmx2867m"
    assert (tmp_path / ".env").read_text() == after
    # The environment wins, and is never written down.
    fresh = _project(tmp_path / "other")
    assert fit_heap(fresh, 8 * GIB, {ENV_JAVA_OPTS: "-Xmx1g"}) is None
    assert "KESTRA_JAVA_OPTS" not in (tmp_path / "other" / ".env").read_text()
    assert fit_heap(fresh, 0, {}) is None  # Docker did not say: nothing guessed


def test_a_heap_too_big_for_the_machine_is_a_warning_with_the_fix() -> None:
    assert heap_of("-Xms512m -Xmx6g -XX:+UseG1GC") == 6 * GIB
    assert heap_of("-XX:+UseG1GC") is None
    small = EngineInfo("27.0", 8 * GIB, 2, "codespace")
    result = check_memory(small, "postgres", heap="-Xmx6g")
    assert result.status is Status.WARNING
    assert "more than 60%" in result.detail and "delete that line" in result.fix


def test_a_small_machine_is_warned_with_the_fix_for_where_it_runs() -> None:
    small = EngineInfo("27.0", 3 * GIB, 2, "codespace")
    in_codespace = check_memory(small, "postgres", heap="-Xmx1024m", codespace=True)
    assert in_codespace.status is Status.WARNING
    assert "3.0 GB" in in_codespace.detail and "1024 MB" in in_codespace.detail
    assert "machine type" in in_codespace.fix and "database=h2" in in_codespace.fix
    laptop = check_memory(small, "postgres")
    assert "Docker Desktop" in laptop.fix and "machine type" not in laptop.fix
    h2 = check_memory(EngineInfo("27.0", 2 * GIB, 2, "x"), "h2")
    assert h2.status is Status.WARNING and "database=h2" not in h2.fix
    roomy = check_memory(EngineInfo("27.0", 8 * GIB, 2, "x"), "postgres", heap="-Xmx2867m")
    assert roomy.status is Status.PASSED and "heap 2867 MB" in roomy.detail
