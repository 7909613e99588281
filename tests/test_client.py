"""The Kestra client and connection settings, over real HTTP to the fake server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kestra_init.errors import (
    DeadlineExceeded,
    KestraApiError,
    KestraAuthError,
    KestraUnreachable,
    UnexpectedAnswer,
    UsageError,
)
from kestra_init.kestra.client import KestraClient
from kestra_init.kestra.connection import Connection, resolve_connection
from kestra_init.kestra.http_errors import server_message
from kestra_init.project import Project
from tests.fake_kestra import free_port


def flow(flow_id: str, namespace: str = "demo", message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n"
        f"  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


def connect(server, **overrides) -> KestraClient:
    settings = {"url": server.url, "username": server.username, "password": server.password}
    settings.update(overrides)
    sources = {"url": "--server", "username": "--username", "password": "--password"}
    return KestraClient(Connection(sources=sources, local=False, **settings), backoff=0.01)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "flows").mkdir()
    (tmp_path / ".env").write_text(
        "KESTRA_PORT=18080\nKESTRA_ADMIN_EMAIL=me@example.com\nKESTRA_ADMIN_PASSWORD=Local1234\n"
    )
    return Project(tmp_path)


# Connection settings --------------------------------------------------------------
def test_project_env_gives_the_local_connection(project) -> None:
    connection = resolve_connection(project, environ={})
    assert connection.url == "http://localhost:18080"
    assert (connection.username, connection.password) == ("me@example.com", "Local1234")
    assert connection.source("password") == ".env KESTRA_ADMIN_PASSWORD"
    assert connection.local and connection.ui_port == 18080


def test_flags_beat_variables_which_beat_the_project(project) -> None:
    environ = {
        "KESTRA_URL": "https://kestra.example.com/",
        "KESTRA_USERNAME": "ci@example.com",
        "KESTRA_PASSWORD": "FromEnv123",
    }
    from_env = resolve_connection(project, environ=environ)
    assert from_env.url == "https://kestra.example.com"
    assert from_env.username == "ci@example.com"
    assert from_env.source("username") == "KESTRA_USERNAME"
    assert not from_env.local
    from_flags = resolve_connection(
        project, server="http://other:9090/api/v1/main", password="Flag12345", environ=environ
    )
    assert from_flags.url == "http://other:9090"
    assert from_flags.password == "Flag12345" and from_flags.source("password") == "--password"
    assert from_flags.username == "ci@example.com"


def test_project_credentials_never_go_to_another_server(project) -> None:
    remote = resolve_connection(project, server="https://prod.example.com", environ={})
    assert remote.username is None and remote.password is None
    assert remote.describe_credentials() == "no credentials"


def test_defaults_outside_a_project_and_bad_urls() -> None:
    connection = resolve_connection(None, environ={})
    assert connection.url == "http://localhost:8080"
    with pytest.raises(UsageError, match="KESTRA_URL"):
        resolve_connection(None, environ={"KESTRA_URL": "localhost:8080"})


def test_links_use_the_codespace_address_only_for_the_local_server(project) -> None:
    codespace = {
        "CODESPACES": "true",
        "CODESPACE_NAME": "fuzzy-train",
        "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
    }
    local = resolve_connection(project, environ=codespace)
    assert local.url == "http://localhost:18080"  # the API is still reached locally
    assert local.execution_link("demo", "hello", "E1", codespace) == (
        "https://fuzzy-train-18080.app.github.dev/ui/main/executions/demo/hello/E1"
    )
    remote = resolve_connection(project, server="https://k.example.com", environ=codespace)
    assert remote.execution_link("demo", "hello", "E1", codespace).startswith(
        "https://k.example.com/ui/main/"
    )


# Errors a person can act on ----------------------------------------------------------
def test_wrong_credentials_name_the_user_and_source_but_never_the_password(fake_kestra) -> None:
    with (
        connect(fake_kestra, password="Wrong9999") as client,
        pytest.raises(KestraAuthError) as caught,
    ):
        client.probe()
    text = str(caught.value)
    assert fake_kestra.username in text and "--username" in text and "--password" in text
    assert "Wrong9999" not in text
    assert "email address" in text  # Kestra's rules are spelled out
    assert fake_kestra.count("GET") == 1  # a 401 is never retried


def test_credentials_breaking_the_rules_are_pointed_out(fake_kestra) -> None:
    client = connect(fake_kestra, username="admin", password="kestra")
    with client, pytest.raises(KestraAuthError) as caught:
        client.probe()
    assert "'admin' is not an email address" in caught.value.why
    assert "at least 8 characters" in caught.value.why


def test_compose_password_rules_only_for_the_projects_own_password(fake_kestra) -> None:
    # A remote server may well have a `$` in its password: nothing to do with compose.
    with (
        connect(fake_kestra, password="Wrong$9999") as client,
        pytest.raises(KestraAuthError) as remote,
    ):
        client.probe()
    assert "compose" not in str(remote.value)
    assert "Here" not in remote.value.why  # nothing wrong with the password's shape

    # The project's own password, from the .env that the compose file interpolates.
    local = Connection(
        url=fake_kestra.url,
        username=fake_kestra.username,
        password="Wrong$9999",
        sources={"url": ".env KESTRA_PORT", "password": ".env KESTRA_ADMIN_PASSWORD"},
        local=True,
    )
    with KestraClient(local, backoff=0.01) as client, pytest.raises(KestraAuthError) as own:
        client.probe()
    assert "'$'" in own.value.why and "compose file" in own.value.why


def test_server_down_names_the_url_and_kestra_init_up() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    connection = Connection(url=url, username="a@b.io", password="Admin1234", local=True)
    client = KestraClient(connection, retries=1, backoff=0.01)
    with client, pytest.raises(KestraUnreachable) as caught:
        client.probe()
    assert url in str(caught.value) and "kestra-init up" in str(caught.value)
    assert "connection refused" in str(caught.value)


def test_transient_5xx_is_retried_then_succeeds(fake_kestra) -> None:
    fake_kestra.fail(r"/flows/search$", status=503, times=2)
    with connect(fake_kestra) as client:
        client.probe()
        assert client.requests_made == 3
    assert [r.status for r in fake_kestra.requests] == [503, 503, 200]


def test_persistent_500_ends_with_the_servers_message(fake_kestra) -> None:
    fake_kestra.fail(r"/flows/search$", status=500, times=None, body='{"message": "database down"}')
    with connect(fake_kestra) as client, pytest.raises(KestraApiError) as caught:
        client.probe()
    assert caught.value.status == 500
    assert "database down" in str(caught.value)
    assert fake_kestra.count("GET") == 4  # 1 + 3 retries


def test_4xx_is_not_retried_and_carries_the_servers_message(fake_kestra) -> None:
    with connect(fake_kestra) as client:
        client.create_flow(flow("a"))
        with pytest.raises(KestraApiError) as caught:
            client.create_flow(flow("a"))
    assert caught.value.status == 422
    assert "Flow id already exists" in caught.value.server_message
    assert fake_kestra.count("POST") == 2


def test_dropped_connection_on_create_is_checked_before_sending_again(fake_kestra) -> None:
    fake_kestra.drop(r"/flows$", method="POST")
    with connect(fake_kestra) as client:
        created = client.create_flow(flow("a"), namespace="demo", flow_id="a")
    assert created["id"] == "a"
    # dropped POST, a GET to look, then the POST again
    assert [(r.method, r.status) for r in fake_kestra.requests] == [
        ("POST", 0),
        ("GET", 404),
        ("POST", 200),
    ]


def test_create_that_went_through_before_the_error_is_not_sent_twice(fake_kestra) -> None:
    # The server stored the flow, then its answer was lost (a 502 from a proxy).
    fake_kestra.put_flow(flow("a"))
    fake_kestra.fail(r"/flows$", status=502, method="POST")
    with connect(fake_kestra) as client:
        created = client.create_flow(flow("a"), namespace="demo", flow_id="a")
    assert created["revision"] == 1
    assert fake_kestra.count("POST") == 1


def test_a_dropped_run_is_never_sent_twice(fake_kestra) -> None:
    fake_kestra.put_flow(flow("a"))
    fake_kestra.drop(r"/executions/demo/a$")
    with connect(fake_kestra) as client, pytest.raises(KestraUnreachable) as caught:
        client.run("demo", "a")
    assert "before running it again" in caught.value.fix
    assert fake_kestra.count("POST", r"/executions/") == 1


def test_slow_answer_beyond_the_timeout_is_a_deadline(fake_kestra) -> None:
    fake_kestra.slow(r"/flows/search$", 1.0)
    connection = Connection(
        url=fake_kestra.url, username=fake_kestra.username, password=fake_kestra.password
    )
    with KestraClient(connection, timeout=0.2, retries=1, backoff=0.01) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"did not answer within 0\.2 s"):
            client.probe()
    assert time.monotonic() - started < 3


def test_problem_json_errors_of_kestra_2_are_read(fake_kestra_factory) -> None:
    server = fake_kestra_factory(error_style="problem")
    with connect(server) as client:
        client.create_flow(flow("a"))
        with pytest.raises(KestraApiError) as caught:
            client.create_flow(flow("a"))
        assert caught.value.status == 409
        assert caught.value.server_message == "Flow id already exists"
        # put_flow treats 2.0's 409 like 1.x's 422: the flow exists, update it.
        client.put_flow("demo", "a", flow("a", message="v2"), exists=False)
    assert server.flows()[("demo", "a")].revision == 2


def test_server_message_reads_both_error_shapes() -> None:
    kestra1 = (
        b'{"message": "Invalid entity: tasks: must not be empty", "_embedded": {"errors": '
        b'[{"message": "tasks: must not be empty", "path": "tasks"},'
        b' {"message": "id: must match", "path": "id"}]}}'
    )
    assert server_message(kestra1) == "Invalid entity: tasks: must not be empty; id: must match"
    problem = (
        b'{"type": "about:blank", "title": "Conflict", "status": 409, '
        b'"detail": "Flow id already exists", "errors": [{"detail": "id taken", "pointer": "/id"}]}'
    )
    assert server_message(problem) == "Flow id already exists; id taken"
    assert server_message(b"") == ""
    assert server_message(b"<html><body>Bad gateway</body></html>") == ""


# The calls `up` relies on --------------------------------------------------------------
def test_configs_health_and_probe(fake_kestra_factory) -> None:
    server = fake_kestra_factory(startup_delay=0.5, startup_mode="unavailable")
    with connect(server) as client:
        assert client.health(server.management_url)["status"] == "DOWN"
        time.sleep(0.6)
        assert client.health(server.management_url)["status"] == "UP"
        assert client.configs()["isBasicAuthInitialized"] is True
        client.probe()


def test_health_of_a_server_not_listening_yet_is_unreachable(fake_kestra_factory) -> None:
    server = fake_kestra_factory(startup_delay=5)
    with connect(server) as client, pytest.raises(KestraUnreachable):
        client.health(server.management_url)


def test_bearer_token_is_sent_instead_of_basic_auth(fake_kestra_factory) -> None:
    server = fake_kestra_factory(api_token="t0ken")
    with connect(server, username=None, password=None, api_token="t0ken") as client:
        client.probe()


def test_follow_yields_the_executions_events(fake_kestra) -> None:
    fake_kestra.put_flow(flow("a"))
    with connect(fake_kestra) as client:
        execution = client.run("demo", "a")
        names = [event.name for event in client.follow(execution.id, read_timeout=5)]
        final = client.execution(execution.id)
        logs = client.logs(execution.id)
    assert names[0] == "start" and names[-1] == "end"
    assert final.state == "SUCCESS" and [run.task_id for run in final.task_runs] == ["log"]
    assert [entry.message for entry in logs] == ["hi"]


def test_flow_sources_fall_back_to_one_by_one_without_the_export(fake_kestra) -> None:
    fake_kestra.put_flow(flow("a"))
    fake_kestra.put_flow(flow("b"))
    fake_kestra.fail(r"/flows/export/by-query$", status=404)
    with connect(fake_kestra) as client:
        sources = client.flow_sources("demo")
    assert sorted(sources) == sorted([flow("a"), flow("b")])
    # the export (404), the namespace's list, then each flow's source
    assert len(fake_kestra.requests) == 4
    # A proxy's page answering 200 is not Kestra: a clear error, not a guess.
    fake_kestra.fail(r"/flows/export/by-query$", status=200, body="<html>proxy</html>")
    with connect(fake_kestra) as client, pytest.raises(UnexpectedAnswer) as refused:
        client.flow_sources("demo")
    assert "not the zip archive Kestra sends" in refused.value.why
