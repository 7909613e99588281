"""`validate --server`: Kestra's own verdicts, mapped back to files and lines."""

from __future__ import annotations

import json
from pathlib import Path

from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.discover import split_documents
from kestra_init.flows.server_validate import validate_on_server
from kestra_init.kestra.client import KestraClient
from kestra_init.kestra.connection import Connection
from tests.helpers import assert_no_traceback, json_data, make_api_project

VALID = """id: hello
namespace: demo
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

INVALID = """# a flow with two mistakes
id: bad id
namespace: demo
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: second
    message: no type
"""


def client_for(server) -> KestraClient:
    return KestraClient(
        Connection(url=server.url, username=server.username, password=server.password),
        backoff=0.01,
    )


def check(server, *files: Path):
    # Every document as written, split as the linter splits files; even one the
    # offline pass would keep back (a parser of Kestra's may disagree with ours).
    documents = [
        document
        for path in files
        for document in split_documents(path, path.read_text(encoding="utf-8-sig"))
    ]
    with client_for(server) as client:
        return validate_on_server(client, documents)


def test_a_valid_flow_has_no_findings_in_one_request(fake_kestra, tmp_path: Path) -> None:
    path = tmp_path / "hello.yaml"
    path.write_text(VALID)
    assert check(fake_kestra, path) == []
    assert [(r.method, r.path) for r in fake_kestra.requests] == [
        ("POST", "/api/v1/main/flows/validate")
    ]
    assert fake_kestra.flows() == {}  # validating stores nothing


def test_an_invalid_flow_is_mapped_to_its_lines(fake_kestra, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(INVALID)
    found = check(fake_kestra, path)
    assert {d.rule for d in found} == {"server"}
    assert {d.severity for d in found} == {Severity.ERROR}
    by_line = {d.line: d.message for d in found}
    assert "id: must match" in by_line[2]  # the line of `id:`
    assert "tasks[1].type: must not be null" in by_line[8]  # the second task's item
    assert all(d.path == path for d in found)


def test_documents_of_several_files_keep_their_own_positions(fake_kestra, tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text(VALID + "---\n\n" + INVALID)
    second = tmp_path / "b.yaml"
    second.write_text(VALID.replace("hello", "other"))
    found = check(fake_kestra, first, second)
    assert {d.path for d in found} == {first}
    # The invalid document starts on line 8 of a.yaml: its `id:` is on line 10.
    assert any(d.line == 10 and "id: must match" in d.message for d in found)
    assert fake_kestra.count("POST") == 1  # all documents in one request


def test_syntax_errors_with_a_line_number_point_at_it(fake_kestra, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("\n\nid: x\nnamespace: demo\nnot a mapping line\ntasks: []\n")
    (finding,) = check(fake_kestra, path)
    assert finding.line == 5 and finding.column == 1
    assert "expected a 'key: value' mapping" in finding.message


def test_an_answer_of_the_wrong_length_is_asked_again_per_document(
    fake_kestra, tmp_path: Path
) -> None:
    for name, text in (("a.yaml", VALID), ("b.yaml", INVALID)):
        (tmp_path / name).write_text(text)
    fake_kestra.fail(r"/flows/validate$", status=200, body="[]")
    found = check(fake_kestra, tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert {d.path.name for d in found} == {"b.yaml"}
    assert fake_kestra.count("POST") == 3  # the odd answer, then one per document


def test_newer_error_items_warnings_and_deprecations(fake_kestra, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(VALID)
    answer = [
        {
            "index": 0,
            "namespace": "demo",
            "flow": "hello",
            "constraints": None,
            "errors": [{"detail": "Unknown plugin", "pointer": "/tasks/0/type", "path": ""}],
            "warnings": ["The Log task is chatty"],
            "infos": ["Consider a description"],
            "deprecationPaths": ["tasks[0].message"],
            "outdated": False,
        }
    ]
    fake_kestra.fail(r"/flows/validate$", status=200, body=json.dumps(answer))
    found = check(fake_kestra, path)
    summary = {(d.severity, d.line, d.message) for d in found}
    assert (Severity.ERROR, 5, "Kestra: Unknown plugin") in summary
    assert (Severity.WARNING, 6, "Kestra: tasks[0].message is deprecated in this Kestra "
            "version; see its migration guide") in summary  # fmt: skip
    assert (Severity.WARNING, 1, "Kestra: The Log task is chatty") in summary
    assert (Severity.INFO, 1, "Kestra: Consider a description") in summary


def test_cli_validate_with_server(cli, fake_kestra, tmp_path: Path) -> None:
    project = make_api_project(tmp_path / "proj", fake_kestra)
    (project / "flows" / "hello.yaml").write_text(VALID)
    ok = cli("validate", "--server", cwd=project)
    assert ok.returncode == ExitCode.OK, ok.stdout + ok.stderr
    assert fake_kestra.count("POST", r"/flows/validate$") == 1
    (project / "flows" / "bad.yaml").write_text(INVALID.replace("bad id", "bad_id"))
    bad = cli("validate", "--server", "--format", "json", cwd=project)
    assert bad.returncode == ExitCode.FINDINGS
    data = json_data(bad.stdout, "validate")
    server_findings = [d for d in data["diagnostics"] if d["rule"] == "server"]
    assert server_findings, data
    assert any("tasks[1].type" in d["message"] and d["line"] == 8 for d in server_findings)
    assert_no_traceback(bad)
