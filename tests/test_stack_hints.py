"""Failure classification: the words Docker, Postgres and the kernel print become one hint."""

from __future__ import annotations

import pytest

from kestra_init.stack.hints import auth_setup_hint, classify_failure, classify_text
from kestra_init.stack.model import ContainerDetails


def details(*, exit_code: int = 0, oom: bool = False) -> ContainerDetails:
    return ContainerDetails(
        started_at="", oom_killed=oom, exit_code=exit_code, restart_count=0, state="exited"
    )


@pytest.mark.parametrize(
    ("output", "port"),
    [
        (
            "Error response from daemon: driver failed programming external connectivity on "
            "endpoint x-kestra-1: Bind for 127.0.0.1:8080 failed: port is already allocated",
            "8080",
        ),
        (
            "Error starting userland proxy: listen tcp4 0.0.0.0:8081: bind: address already in use",
            "8081",
        ),
        (
            "Error starting userland proxy: listen tcp [::]:9090: bind: address already in use",
            "9090",
        ),
    ],
)
def test_a_taken_port_is_named_with_the_fix(output: str, port: str) -> None:
    hint = classify_text(output)
    assert hint is not None and hint.kind == "port"
    assert f"port {port}" in hint.why
    assert "KESTRA_PORT" in hint.fix


def test_postgres_data_from_another_major_names_both_versions() -> None:
    logs = (
        "postgres-1  | FATAL:  database files are incompatible with server\n"
        "postgres-1  | DETAIL:  The data directory was initialized by PostgreSQL version 16, "
        "which is not compatible with this version 17.2."
    )
    hint = classify_text(logs)
    assert hint is not None and hint.kind == "postgres-major"
    assert "Postgres 16" in hint.why and "Postgres 17" in hint.why
    assert "postgres:16" in hint.fix and "down --volumes" in hint.fix


def test_postgres_18_refusing_an_old_data_mount_is_the_same_hint() -> None:
    logs = "Counter to that, there appears to be PostgreSQL data in:\n  /var/lib/postgresql/data"
    hint = classify_text(logs)
    assert hint is not None and hint.kind == "postgres-major"


@pytest.mark.parametrize(
    ("output", "kind"),
    [
        (
            "Error response from daemon: pull access denied for kestra/kestraa, repository "
            "does not exist or may require 'docker login'",
            "pull",
        ),
        ("manifest for kestra/kestra:v9.9 not found: manifest unknown", "pull"),
        (
            'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: '
            "lookup registry-1.docker.io on 127.0.0.53:53: no such host",
            "network",
        ),
        ("toomanyrequests: You have reached your pull rate limit.", "rate-limit"),
        ("Error response from daemon: 429 Too Many Requests", "rate-limit"),
    ],
)
def test_image_pull_failures_say_whether_the_image_or_the_network_is_wrong(
    output: str, kind: str
) -> None:
    hint = classify_text(output)
    assert hint is not None and hint.kind == kind


def test_exit_137_alone_means_killed_not_out_of_memory() -> None:
    hint = classify_failure(service="kestra", details=details(exit_code=137), logs=["starting"])
    assert hint is not None and hint.kind == "killed"
    assert "'kestra'" in hint.why and "SIGKILL" in hint.why
    assert "ran out of memory" not in hint.why


def test_memory_is_named_on_the_oom_flag_or_an_out_of_memory_log() -> None:
    flagged = classify_failure(service="kestra", details=details(oom=True, exit_code=137))
    assert flagged is not None and flagged.kind == "oom" and "kernel" in flagged.why
    logged = classify_failure(
        service="kestra",
        details=details(exit_code=137),
        logs=["java.lang.OutOfMemoryError: Java heap space"],
    )
    assert logged is not None and logged.kind == "oom" and "log shows" in logged.why
    assert "memory" in logged.fix.lower()


def test_a_java_out_of_memory_error_in_the_logs_means_memory() -> None:
    hint = classify_failure(
        service="kestra",
        details=details(exit_code=1),
        logs=['Exception in thread "main" java.lang.OutOfMemoryError: Java heap space'],
    )
    assert hint is not None and hint.kind == "oom"


def test_compose_output_wins_over_the_logs() -> None:
    hint = classify_failure(
        service="kestra",
        details=details(exit_code=1),
        logs=["database files are incompatible with server"],
        compose_output="Bind for 0.0.0.0:8080 failed: port is already allocated",
    )
    assert hint is not None and hint.kind == "port"


def test_ordinary_output_gives_no_hint() -> None:
    assert classify_text("Server Running: http://localhost:8080, management port 8081") is None
    assert classify_failure(service="kestra", details=details(exit_code=1), logs=[]) is None


def test_the_setup_page_hint_names_the_user_and_kestra_s_rules() -> None:
    hint = auth_setup_hint("me@example.com")
    assert "'me@example.com'" in hint.why and "upper-case" in hint.why
    assert "KESTRA_ADMIN_PASSWORD" in hint.fix


def test_a_database_volume_with_another_password_is_named_with_both_ways_out() -> None:
    # What Kestra logs when the Postgres volume was made with another POSTGRES_PASSWORD
    # (the project made again under the same name, or .env made again by `up`).
    logs = [
        "2026-01-05 10:00:01,123 WARN  main  com.zaxxer.hikari.pool.HikariPool "
        "HikariPool-1 - Exception during pool initialization.",
        "org.postgresql.util.PSQLException: FATAL: password authentication failed for user "
        '"kestra"',
        "\tat org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(...)",
    ]
    hint = classify_failure(service="kestra", logs=logs)
    assert hint is not None and hint.kind == "postgres-password"
    assert "POSTGRES_PASSWORD" in hint.why
    assert "POSTGRES_PASSWORD back in .env" in hint.fix and "down --volumes" in hint.fix
