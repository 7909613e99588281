"""The fake Kestra follows the facts of ../shared/reference/kestra.md (corrected 2026-12-01).

Revisions, the literal routes, the bulk endpoint, namespace file names, the
inputs a flow declares, outputs, and when the follow stream ends.
"""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

YAML = {"Content-Type": "application/x-yaml"}


def flow(flow_id: str, namespace: str = "demo", message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n"
        f"  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


@pytest.fixture
def api(fake_kestra):  # type: ignore[no-untyped-def]
    with httpx.Client(
        base_url=fake_kestra.url + "/api/v1/main",
        auth=(fake_kestra.username, fake_kestra.password),
        timeout=10,
    ) as client:
        yield client


def test_every_revision_is_kept_oldest_first_with_its_source(api) -> None:
    api.post("/flows", content=flow("a", message="one"), headers=YAML)
    api.put("/flows/demo/a", content=flow("a", message="two"), headers=YAML)
    api.put("/flows/demo/a", content=flow("a", message="two"), headers=YAML)  # same: no new one
    revisions = api.get("/flows/demo/a/revisions").json()
    assert [r["revision"] for r in revisions] == [1, 2]
    assert "message: one" in revisions[0]["source"]
    first = api.get("/flows/demo/a", params={"revision": 1, "source": "true"})
    assert first.status_code == 200 and "message: one" in first.json()["source"]
    assert api.get("/flows/demo/a", params={"revision": 9}).status_code == 404
    assert api.get("/flows/demo/zzz/revisions").status_code == 404


def test_a_delete_is_one_more_revision_and_a_new_flow_goes_on_from_there(api) -> None:
    # FlowWithSource.toDeleted and AbstractJdbcFlowRepository.save (1.0 to 1.3).
    api.post("/flows", content=flow("a", message="one"), headers=YAML)
    api.put("/flows/demo/a", content=flow("a", message="two"), headers=YAML)
    assert api.delete("/flows/demo/a").status_code == 204
    assert api.get("/flows/demo/a").status_code == 404
    # The deletion marker is listed only with allowDelete (not allowDeleted).
    listed = api.get("/flows/demo/a/revisions").json()
    assert [(r["revision"], r["deleted"]) for r in listed] == [(1, False), (2, False)]
    marked = api.get("/flows/demo/a/revisions", params={"allowDelete": "true"}).json()
    assert [(r["revision"], r["deleted"]) for r in marked] == [(1, False), (2, False), (3, True)]
    assert api.get("/flows/demo/a", params={"revision": 3}).json()["deleted"] is True
    again = api.post("/flows", content=flow("a", message="three"), headers=YAML)
    assert again.json()["revision"] == 4


def test_a_namespace_named_like_a_literal_route_never_reaches_the_bulk_endpoint(api) -> None:
    # POST /flows/validate is the validate route: nothing is written.
    answer = api.post("/flows/validate", content=flow("x", namespace="validate"), headers=YAML)
    assert answer.status_code == 200 and "constraints" in answer.json()[0]
    assert api.get("/flows/validate/x").status_code == 404
    assert api.post("/flows/graph", content=flow("x", "graph"), headers=YAML).status_code == 405


def test_the_bulk_endpoint_deletes_the_whole_tenant_without_namespace_and_delete_false(api):
    api.post("/flows", content=flow("a", "one"), headers=YAML)
    api.post("/flows", content=flow("b", "two"), headers=YAML)
    kept = api.post(
        "/flows/bulk", params={"delete": "false"}, content=flow("c", "one"), headers=YAML
    )
    assert kept.status_code == 200
    assert api.get("/flows/two/b").status_code == 200
    wiped = api.post("/flows/bulk", content=flow("c", "one"), headers=YAML)  # delete defaults true
    assert wiped.status_code == 200
    assert api.get("/flows/two/b").status_code == 404 and api.get("/flows/one/a").status_code == 404


def test_namespace_file_names_as_kestra_stores_them(api, fake_kestra) -> None:
    upload = {"fileContent": ("x.upload", b"notes")}
    assert (
        api.post(
            "/namespaces/demo/files", params={"path": "/my notes.txt"}, files=upload
        ).status_code
        == 200
    )
    assert set(fake_kestra.namespace_files("demo")) == {"/my+notes.txt"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bad name.txt", "x")
    refused = api.post(
        "/namespaces/demo/files",
        params={"path": "/"},
        files={"fileContent": ("f.zip", buffer.getvalue())},
    )
    assert refused.status_code == 422


def test_a_flow_describes_its_inputs_as_kestra_does(api) -> None:
    source = (
        "id: typed\nnamespace: demo\ninputs:\n"
        "  - id: count\n    type: INT\n    defaults: 5\n"
        "  - id: color\n    type: SELECT\n    values: [red, green]\n    required: false\n"
        "tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    )
    api.post("/flows", content=source, headers=YAML)
    inputs = api.get("/flows/demo/typed").json()["inputs"]
    assert inputs == [
        {"id": "count", "type": "INT", "required": True, "defaults": "5"},
        {"id": "color", "type": "SELECT", "required": False, "values": ["red", "green"]},
    ]


def test_the_follow_stream_ends_after_the_after_execution_tasks(api, fake_kestra) -> None:
    after = "afterExecution:\n  - id: bye\n    type: io.kestra.plugin.core.log.Log\n"
    source = flow("late") + after + "    message: late line\n"
    api.post("/flows", content=source, headers=YAML)
    execution = api.post("/executions/demo/late", files={"x": (None, "")}).json()
    events = []
    with api.stream("GET", f"/executions/{execution['id']}/follow") as stream:
        name = None
        for line in stream.iter_lines():
            if line.startswith("id: "):
                name = line[4:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    assert events[-1][0] == "end"
    terminal = [n for n, data in events if data.get("state", {}).get("current") == "SUCCESS"]
    assert terminal and terminal[0] == "progress"  # terminal first, `end` later
    logs = api.get(f"/logs/{execution['id']}").json()
    assert "late line" in [entry["message"] for entry in logs]


def test_following_an_unknown_execution_starts_then_breaks(api) -> None:
    with api.stream("GET", "/executions/nope/follow") as stream:
        assert stream.status_code == 200
        lines = list(stream.iter_lines())
    assert "id: start" in lines and not any(line == "id: end" for line in lines)
