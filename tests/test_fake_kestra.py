"""The fake Kestra server keeps Kestra 1.x's promises (and quirks) over real HTTP.

Every other test of the API client, sync and run leans on this fake, so its
behaviour is pinned here against ../shared/reference/kestra.md.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.fake_kestra import (
    credential_problem,
    credentials_from_configuration,
    free_port,
    read_flow,
    start_subprocess,
)
from tests.helpers import FAILING_FLOW, HELLO_FLOW

HELLO = HELLO_FLOW

FAILING = FAILING_FLOW

YAML = {"Content-Type": "application/x-yaml"}


def flow(flow_id: str, namespace: str = "demo", message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n"
        f"  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


@pytest.fixture
def api(fake_kestra):
    with httpx.Client(
        base_url=fake_kestra.url + "/api/v1/main",
        auth=(fake_kestra.username, fake_kestra.password),
        timeout=10,
    ) as client:
        yield client


# Authentication and the open endpoints ------------------------------------------
def test_api_needs_basic_auth_and_answers_401_with_an_empty_body(fake_kestra) -> None:
    anonymous = httpx.get(fake_kestra.url + "/api/v1/main/flows/search")
    assert anonymous.status_code == 401
    assert anonymous.content == b""
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    wrong = httpx.get(
        fake_kestra.url + "/api/v1/main/flows/search", auth=(fake_kestra.username, "Wrong1234")
    )
    assert wrong.status_code == 401
    right = httpx.get(
        fake_kestra.url + "/api/v1/main/flows/search?size=1",
        auth=(fake_kestra.username, fake_kestra.password),
    )
    assert right.status_code == 200
    assert right.json() == {"results": [], "total": 0}


def test_configs_is_open_old_paths_are_aliased_and_other_tenants_refused(fake_kestra) -> None:
    configs = httpx.get(fake_kestra.url + "/api/v1/configs")
    assert configs.status_code == 200
    assert configs.json()["isBasicAuthInitialized"] is True
    assert configs.json()["version"].startswith("1.")
    auth = (fake_kestra.username, fake_kestra.password)
    # 1.0 to 1.3 alias the tenant-less paths to `main` (kestra.md).
    old = httpx.get(fake_kestra.url + "/api/v1/flows/search", auth=auth)
    assert old.status_code == 200 and "results" in old.json()
    assert httpx.get(fake_kestra.url + "/api/v1/other/flows/search", auth=auth).status_code == 400


def test_credentials_that_break_kestras_rules_leave_it_on_the_setup_page(
    fake_kestra_factory,
) -> None:
    server = fake_kestra_factory(username="admin", password="kestra")
    configs = httpx.get(server.url + "/api/v1/configs").json()
    assert configs["isBasicAuthInitialized"] is False
    answer = httpx.get(server.url + "/api/v1/main/flows/search", auth=("admin", "kestra"))
    assert answer.status_code == 401


def test_bearer_token_is_accepted_when_configured(fake_kestra_factory) -> None:
    server = fake_kestra_factory(api_token="tok-123")
    ok = httpx.get(
        server.url + "/api/v1/main/flows/search", headers={"Authorization": "Bearer tok-123"}
    )
    assert ok.status_code == 200
    bad = httpx.get(
        server.url + "/api/v1/main/flows/search", headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401


# Flows --------------------------------------------------------------------------
def test_create_twice_is_422_and_update_of_a_missing_flow_is_404_with_a_json_body(api) -> None:
    created = api.post("/flows", content=flow("a"), headers=YAML)
    assert created.status_code == 200
    assert created.json()["revision"] == 1
    again = api.post("/flows", content=flow("a"), headers=YAML)
    assert again.status_code == 422
    assert "Flow id already exists" in again.json()["message"]
    assert again.json()["_embedded"]["errors"][0]["message"].endswith("Flow id already exists")
    missing = api.put("/flows/demo/zzz", content=flow("zzz"), headers=YAML)
    assert missing.status_code == 404
    # Micronaut re-routes the controller's bare 404 to Kestra's JSON NOT_FOUND handler.
    assert missing.json()["message"] == "Not Found"
    renamed = api.put("/flows/demo/a", content=flow("b"), headers=YAML)
    assert renamed.status_code == 422
    assert "Illegal flow id update" in renamed.json()["message"]


def test_create_in_problem_json_style_answers_409(fake_kestra_factory) -> None:
    server = fake_kestra_factory(error_style="problem")
    auth = (server.username, server.password)
    url = server.url + "/api/v1/main/flows"
    assert httpx.post(url, content=flow("a"), headers=YAML, auth=auth).status_code == 200
    again = httpx.post(url, content=flow("a"), headers=YAML, auth=auth)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["detail"] == "Flow id already exists"


def test_revisions_grow_only_when_the_source_changes(api, fake_kestra) -> None:
    api.post("/flows", content=flow("a"), headers=YAML)
    same = api.put("/flows/demo/a", content=flow("a"), headers=YAML)
    assert same.json()["revision"] == 1
    changed = api.put("/flows/demo/a", content=flow("a", message="changed"), headers=YAML)
    assert changed.json()["revision"] == 2
    got = api.get("/flows/demo/a", params={"source": "true"}).json()
    assert got["source"] == flow("a", message="changed")
    assert "source" not in api.get("/flows/demo/a").json()
    assert fake_kestra.flows()[("demo", "a")].revision == 2
    assert api.delete("/flows/demo/a").status_code == 204
    assert api.delete("/flows/demo/a").status_code == 404
    assert api.get("/flows/demo/a").status_code == 404


def test_invalid_flow_is_rejected_with_kestras_422_shape(api) -> None:
    answer = api.post("/flows", content="id: x\nnamespace: Demo\ntasks: []\n", headers=YAML)
    assert answer.status_code == 422
    body = answer.json()
    assert body["message"].startswith("Invalid entity:")
    paths = {error["path"] for error in body["_embedded"]["errors"]}
    assert paths == {"namespace", "tasks"}


def test_bulk_namespace_update_deletes_by_default(api, fake_kestra) -> None:
    for name in ("a", "b", "c"):
        api.post("/flows", content=flow(name), headers=YAML)
    kept = api.post(
        "/flows/demo",
        content=flow("a") + "---\n" + flow("d"),
        headers=YAML,
        params={"delete": "false"},
    )
    assert kept.status_code == 200
    assert sorted(i for _, i in fake_kestra.flows()) == ["a", "b", "c", "d"]
    pruned = api.post("/flows/demo", content=flow("a"), headers=YAML)  # no `delete`: true
    assert pruned.status_code == 200
    answer = pruned.json()
    assert [f["id"] for f in answer if f["deleted"]] == ["b", "c", "d"]
    assert sorted(i for _, i in fake_kestra.flows()) == ["a"]


def test_bulk_splits_on_every_triple_dash_even_inside_a_block_scalar(api, fake_kestra) -> None:
    tricky = flow("a").replace("message: hi", "message: |\n      before\n      ---\n      after")
    answer = api.post("/flows/demo", content=tricky, headers=YAML, params={"delete": "false"})
    assert answer.status_code == 422
    assert fake_kestra.flows() == {}
    # The same flow goes through the single-flow endpoint intact.
    assert api.post("/flows", content=tricky, headers=YAML).status_code == 200
    assert fake_kestra.flow_source("demo", "a") == tricky


def test_bulk_rejects_flows_of_another_namespace_and_stops_at_an_invalid_flow(
    api, fake_kestra
) -> None:
    wrong = api.post("/flows/demo", content=flow("a", namespace="other"), headers=YAML)
    assert wrong.status_code == 422
    assert "flow namespace is invalid" in wrong.json()["message"]
    bad = flow("b").replace("type: io.kestra.plugin.core.log.Log", "type: Log")
    partial = api.post(
        "/flows/demo", content=flow("a") + "---\n" + bad, headers=YAML, params={"delete": "false"}
    )
    assert partial.status_code == 422
    assert "Invalid type: Log" in partial.json()["message"]
    # Kestra writes flows one by one: the one before the invalid one is stored.
    assert list(fake_kestra.flows()) == [("demo", "a")]


def test_validate_answers_one_item_per_document(api) -> None:
    body = flow("ok") + "---\n" + "id: bad id\nnamespace: demo\ntasks:\n  - id: t\n"
    answer = api.post("/flows/validate", content=body, headers=YAML)
    assert answer.status_code == 200
    first, second = answer.json()
    assert first["index"] == 0 and first["flow"] == "ok" and first["constraints"] is None
    assert set(first) >= {"warnings", "infos", "deprecationPaths", "outdated", "namespace"}
    assert second["index"] == 1
    assert "id: must match" in second["constraints"]
    assert "tasks[0].type: must not be null" in second["constraints"]


def test_search_pages_from_one_and_export_zips_sources(api) -> None:
    for name in ("a", "b", "c"):
        api.post("/flows", content=flow(name), headers=YAML)
    api.post("/flows", content=flow("z", namespace="demo.sub"), headers=YAML)
    api.post("/flows", content=flow("y", namespace="other"), headers=YAML)
    page = api.get(
        "/flows/search", params={"page": 2, "size": 2, "filters[namespace][EQUALS]": "demo"}
    )
    assert page.json()["total"] == 3
    assert [f["id"] for f in page.json()["results"]] == ["c"]
    assert api.get("/flows/search", params={"page": 0}).status_code == 422
    export = api.get("/flows/export/by-query", params={"namespace": "demo"})
    names = zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    # The legacy `namespace` parameter is a prefix: sub-namespaces come too.
    assert sorted(names) == ["demo-a.yml", "demo-b.yml", "demo-c.yml", "demo.sub-z.yml"]


def test_import_is_an_upsert(api, fake_kestra) -> None:
    files = {"fileUpload": ("flows.yaml", flow("a") + "---\n" + flow("b"), "application/x-yaml")}
    assert api.post("/flows/import", files=files).json() == []
    files = {"fileUpload": ("a.yaml", flow("a", message="v2"), "application/x-yaml")}
    assert api.post("/flows/import", files=files).json() == []
    assert fake_kestra.flows()[("demo", "a")].revision == 2


# Executions -----------------------------------------------------------------------
def test_execution_moves_from_created_to_success_with_task_runs_and_logs(api) -> None:
    api.post("/flows", content=HELLO, headers=YAML)
    started = api.post("/executions/demo/hello", files={"name": (None, "Ada")})
    assert started.status_code == 200
    execution = started.json()
    assert execution["state"]["current"] == "CREATED"
    seen = {execution["state"]["current"]}
    deadline = time.monotonic() + 10
    while execution["state"]["current"] not in ("SUCCESS", "FAILED"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
        execution = api.get(f"/executions/{execution['id']}").json()
        seen.add(execution["state"]["current"])
    assert seen == {"CREATED", "RUNNING", "SUCCESS"}
    assert [run["taskId"] for run in execution["taskRunList"]] == ["greet", "bye"]
    assert {run["state"]["current"] for run in execution["taskRunList"]} == {"SUCCESS"}
    logs = api.get(f"/logs/{execution['id']}", params={"minLevel": "INFO"}).json()
    assert [entry["message"] for entry in logs] == ["Hello, Ada!", "Bye"]


def test_fail_task_fails_the_execution_and_stops_it(api) -> None:
    api.post("/flows", content=FAILING, headers=YAML)
    execution = api.post("/executions/demo/broken", params={"wait": "true"}).json()
    assert execution["state"]["current"] == "FAILED"
    assert [run["taskId"] for run in execution["taskRunList"]] == ["first", "boom"]
    logs = api.get(f"/logs/{execution['id']}").json()
    assert logs[-1]["level"] == "ERROR" and logs[-1]["message"] == "it broke"


def test_required_input_missing_is_422_and_unknown_flow_is_404(api) -> None:
    api.post("/flows", content=HELLO.replace("    defaults: World\n", ""), headers=YAML)
    missing = api.post("/executions/demo/hello")
    assert missing.status_code == 422
    assert "missing required input" in missing.json()["message"]
    assert api.post("/executions/demo/nope").status_code == 404


def test_follow_streams_start_progress_and_end_events(api) -> None:
    api.post("/flows", content=HELLO, headers=YAML)
    execution = api.post("/executions/demo/hello").json()
    events = []
    with api.stream("GET", f"/executions/{execution['id']}/follow") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event: dict[str, str] = {}
        for line in stream.iter_lines():
            if not line:
                events.append(event)
                event = {}
                continue
            field, _, value = line.partition(":")
            event[field] = value.strip()
    kinds = [e["id"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert "progress" in kinds
    assert json.loads(events[-1]["data"])["state"]["current"] == "SUCCESS"


def test_kill_ends_a_running_execution_as_killed(api) -> None:
    slow = HELLO.replace(
        "  - id: bye",
        "  - id: nap\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT30S\n  - id: bye",
    )
    api.post("/flows", content=slow, headers=YAML)
    execution = api.post("/executions/demo/hello").json()
    time.sleep(0.3)
    assert api.delete(f"/executions/{execution['id']}/kill").status_code == 202
    time.sleep(0.1)
    final = api.get(f"/executions/{execution['id']}").json()
    assert final["state"]["current"] == "KILLED"
    assert final["taskRunList"][-1]["state"]["current"] == "KILLED"


def test_the_execution_url_is_only_in_the_answer_that_started_it_from_kestra_url(
    fake_kestra_factory,
) -> None:
    # Kestra builds it from its configured `kestra.url`, never from the request's
    # Host, and only answers it to the POST that started the run.
    configured = [("https://kestra.example.com/", "https://kestra.example.com"), (None, "")]
    for kestra_url, base in configured:
        server = fake_kestra_factory(kestra_url=kestra_url)
        auth = (server.username, server.password)
        with httpx.Client(base_url=server.url + "/api/v1/main", auth=auth) as api:
            api.post("/flows", content=HELLO, headers=YAML)
            started = api.post("/executions/demo/hello", params={"wait": "true"}).json()
            where = f"/ui/main/executions/demo/hello/{started['id']}"
            assert started["url"] == base + where
            assert "url" not in api.get(f"/executions/{started['id']}").json()


RETURNS = """id: returns
namespace: demo
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: greeting
    type: io.kestra.plugin.core.debug.Return
    format: "Hello, {{ inputs.name }}"
  - id: said
    type: io.kestra.plugin.core.log.Log
    message: done
"""


def test_task_runs_carry_their_outputs_once_ended(api) -> None:
    api.post("/flows", content=RETURNS, headers=YAML)
    execution = api.post(
        "/executions/demo/returns", params={"wait": "true"}, files={"name": (None, "Ada")}
    ).json()
    outputs = {run["taskId"]: run["outputs"] for run in execution["taskRunList"]}
    assert outputs == {"greeting": {"value": "Hello, Ada"}, "said": {}}


def test_a_byte_order_mark_before_the_first_key_is_accepted_everywhere(api) -> None:
    bom = "\ufeff".encode()
    created = api.post("/flows", content=bom + flow("bom").encode(), headers=YAML)
    assert created.status_code == 200, created.text
    changed = bom + flow("bom", message="v2").encode()
    updated = api.put("/flows/demo/bom", content=changed, headers=YAML)
    assert updated.status_code == 200, updated.text
    (checked,) = api.post("/flows/validate", content=bom + flow("x").encode(), headers=YAML).json()
    assert checked["constraints"] is None
    bulk = api.post("/flows/other", content=bom + flow("y", "other").encode(), headers=YAML)
    assert bulk.status_code == 200, bulk.text


def test_an_unknown_core_type_is_refused_and_other_namespaces_are_accepted(api) -> None:
    typo = flow("typo").replace("core.log.Log", "core.flow.Slep")
    created = api.post("/flows", content=typo, headers=YAML)
    assert created.status_code == 422
    assert "Invalid type: io.kestra.plugin.core.flow.Slep" in created.json()["message"]
    (checked,) = api.post("/flows/validate", content=typo, headers=YAML).json()
    assert "io.kestra.plugin.core.flow.Slep" in checked["constraints"]
    assert api.post("/flows", content=flow("typo"), headers=YAML).status_code == 200
    assert api.put("/flows/demo/typo", content=typo, headers=YAML).status_code == 422
    trigger = flow("timed") + "triggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Cron\n"
    assert api.post("/flows", content=trigger, headers=YAML).status_code == 422
    known = trigger.replace("trigger.Cron", "trigger.Schedule") + "    cron: '0 * * * *'\n"
    assert api.post("/flows", content=known, headers=YAML).status_code == 200
    plugin = flow("plugin").replace("io.kestra.plugin.core.log.Log", "io.example.plugin.Anything")
    assert api.post("/flows", content=plugin, headers=YAML).status_code == 200


def test_following_logs_stays_open_after_the_execution_ends_until_the_client_leaves(
    fake_kestra_factory,
) -> None:
    server = fake_kestra_factory(follow_limit=30)
    auth = (server.username, server.password)
    with httpx.Client(base_url=server.url + "/api/v1/main", auth=auth) as api:
        api.post("/flows", content=HELLO, headers=YAML)
        execution = api.post("/executions/demo/hello", params={"wait": "true"}).json()
        serving = _handler_threads()
        messages = []
        url = f"/logs/{execution['id']}/follow"
        # Still open after the last line: the read times out instead of the stream ending.
        with (
            pytest.raises(httpx.ReadTimeout),
            api.stream("GET", url, timeout=httpx.Timeout(10, read=1.5)) as stream,
        ):
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    messages.append(json.loads(line[5:])["message"])
        assert messages == ["Hello, World!", "Bye"]
    # The client left: the stream's handler ends with it, long before the limit.
    deadline = time.monotonic() + 5
    while _handler_threads() >= serving + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _handler_threads() < serving + 1


def _handler_threads() -> int:
    """Threads of the in-process fake answering a connection."""
    return sum(1 for thread in threading.enumerate() if "process_request" in thread.name)


# Namespace files ----------------------------------------------------------------
def test_namespace_files_upload_single_and_zip_then_export(api, fake_kestra) -> None:
    single = api.post(
        "/namespaces/demo/files",
        params={"path": "/scripts/a.py"},
        files={"fileContent": ("a.py", b"print(1)\n")},
    )
    assert single.status_code == 200
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scripts/b.py", "print(2)\n")
        archive.writestr("data/x.csv", "a,b\n")
    zipped = api.post(
        "/namespaces/demo/files",
        params={"path": "/"},
        files={"fileContent": ("files.zip", buffer.getvalue())},
    )
    assert zipped.status_code == 200
    assert fake_kestra.namespace_files("demo") == {
        "/scripts/a.py": b"print(1)\n",
        "/scripts/b.py": b"print(2)\n",
        "/data/x.csv": b"a,b\n",
    }
    exported = zipfile.ZipFile(io.BytesIO(api.get("/namespaces/demo/files/export").content))
    assert sorted(exported.namelist()) == ["data/x.csv", "scripts/a.py", "scripts/b.py"]
    content = api.get("/namespaces/demo/files", params={"path": "/scripts/a.py"})
    assert content.content == b"print(1)\n"


# Health, start-up and faults -----------------------------------------------------
def test_health_is_down_until_the_startup_delay_passes(fake_kestra_factory) -> None:
    server = fake_kestra_factory(startup_delay=0.6, startup_mode="unavailable")
    early = httpx.get(server.management_url + "/health")
    assert early.status_code == 503 and early.json()["status"] == "DOWN"
    assert httpx.get(server.url + "/api/v1/configs").status_code == 503
    time.sleep(0.7)
    late = httpx.get(server.management_url + "/health")
    assert late.status_code == 200 and late.json()["status"] == "UP"


def test_refuse_mode_listens_only_after_the_delay(fake_kestra_factory) -> None:
    server = fake_kestra_factory(startup_delay=0.6)  # the default mode: refuse
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.management_url + "/health")
    assert server.listening.wait(3)
    assert httpx.get(server.management_url + "/health").json()["status"] == "UP"


def test_faults_errors_drops_and_slow_answers(api, fake_kestra) -> None:
    fake_kestra.fail(r"/flows/search", status=503, times=2)
    assert api.get("/flows/search").status_code == 503
    assert api.get("/flows/search").status_code == 503
    assert api.get("/flows/search").status_code == 200
    fake_kestra.drop(r"/flows/search")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/flows/search")
    fake_kestra.slow(r"/flows/search", 0.3, times=1)
    started = time.monotonic()
    api.get("/flows/search")
    assert time.monotonic() - started >= 0.3
    statuses = [r.status for r in fake_kestra.requests if r.path.endswith("/flows/search")]
    assert statuses == [503, 503, 200, 0, 200]


# As a script ------------------------------------------------------------------------
CONFIGURATION = """datasources:
  postgres:
    url: jdbc:postgresql://postgres:5432/kestra
kestra:
  server:
    basic-auth:
      username: "ops@example.com"  # an email, as Kestra wants
      password: Secret123
  url: http://localhost:8080/
"""


def test_credentials_are_read_from_kestra_configuration() -> None:
    assert credentials_from_configuration(CONFIGURATION) == ("ops@example.com", "Secret123")
    dotted = (
        "kestra.server.basicAuth.username: a@b.io\nkestra.server.basicAuth.password: 'Xy12345678'\n"
    )
    assert credentials_from_configuration(dotted) == ("a@b.io", "Xy12345678")
    assert credential_problem("admin", "Admin1234") is not None
    assert credential_problem("a@b.io", "kestra") is not None
    assert credential_problem("a@b.io", "Admin1234") is None


def test_script_reads_kestra_configuration_and_prints_one_line() -> None:
    with start_subprocess(env={"KESTRA_CONFIGURATION": CONFIGURATION}) as server:
        ok = httpx.get(
            server.url + "/api/v1/main/flows/search", auth=("ops@example.com", "Secret123")
        )
        assert ok.status_code == 200
        assert httpx.get(server.management_url + "/health").json()["status"] == "UP"
        # The test controls of a fake in another process live under /_fake/.
        fault = {"pattern": "/flows/search$", "kind": "status", "times": 1, "status": 502}
        assert httpx.post(server.management_url + "/_fake/faults", json=fault).status_code == 204
        broken = httpx.get(
            server.url + "/api/v1/main/flows/search", auth=("ops@example.com", "Secret123")
        )
        assert broken.status_code == 502
        log = httpx.get(server.management_url + "/_fake/requests").json()
        assert [(entry["port"], entry["status"]) for entry in log] == [
            ("api", 200),
            ("management", 200),
            ("api", 502),
        ]
        assert httpx.get(server.management_url + "/_fake/flows").json() == []
    broken = CONFIGURATION.replace("Secret123", "kestra")
    with start_subprocess(env={"KESTRA_CONFIGURATION": broken}) as server:
        refused = httpx.get(
            server.url + "/api/v1/main/flows/search", auth=("ops@example.com", "kestra")
        )
        assert refused.status_code == 401


def test_flow_reader_accepts_every_course_flow(shared_dir) -> None:
    for path in sorted((shared_dir / "corpus" / "flows" / "course").glob("*.y*ml")):
        parsed = read_flow(path.read_text())
        assert parsed.valid, (path.name, parsed.constraints())
        assert parsed.tasks, path.name


def test_flow_reader_reads_lists_written_at_column_zero() -> None:
    text = (
        "id: a\nnamespace: b\ntasks:\n"
        "- id: t\n  type: io.kestra.plugin.core.log.Log\n  message: x\n"
    )
    parsed = read_flow(text)
    assert parsed.valid, parsed.constraints()
    assert [t.keys["id"] for t in parsed.tasks] == ["t"]
    assert not read_flow("id: a\nnamespace: b\n- oops\ntasks: []\n").valid


# In a container that holds nothing but a Python interpreter -----------------------
STANDIN_IMAGE = "kestra-init-sync-standin:test"


def _build_standin_image() -> None:
    """An image from an empty root file system; the host's /usr is mounted at run time."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for folder in ("usr", "tmp", "etc", "proc", "sys", "dev", "fake"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(info)
        for link in ("bin", "lib", "lib64", "sbin"):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, f"usr/{link}"
            archive.addfile(info)
        passwd = b"root:x:0:0:root:/root:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        archive.addfile(info, io.BytesIO(passwd))
    subprocess.run(
        ["docker", "import", "-", STANDIN_IMAGE],
        input=buffer.getvalue(),
        check=True,
        capture_output=True,
    )


@pytest.fixture
def standin_image(docker_engine):
    _build_standin_image()
    yield STANDIN_IMAGE
    subprocess.run(["docker", "rmi", "-f", STANDIN_IMAGE], capture_output=True, check=False)


def test_fake_runs_in_a_bare_container_with_kestra_configuration(standin_image) -> None:
    port, management = free_port(), free_port()
    name = f"kestra-init-sync-fake-{port}"
    tests_dir = Path(__file__).resolve().parent
    run = subprocess.run(
        [
            "docker", "run", "-d", "--name", name,
            "-v", "/usr:/usr:ro", "-v", f"{tests_dir}:/fake:ro",
            "-p", f"127.0.0.1:{port}:8080", "-p", f"127.0.0.1:{management}:8081",
            "-e", f"KESTRA_CONFIGURATION={CONFIGURATION}",
            standin_image,
            "/usr/bin/python3", "-I", "/fake/fake_kestra",
            "--host", "0.0.0.0", "--port", "8080", "--management-port", "8081",
            "--startup-delay", "1",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{management}/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert health is not None and health.json()["status"] == "UP"
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/main/flows",
            content=flow("in_container"),
            headers=YAML,
            auth=("ops@example.com", "Secret123"),
        )
        assert created.status_code == 200, created.text
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stdout
        assert "fake-kestra listening on" in logs
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
