"""`kestra-init validate` as a user runs it: output formats, exit codes, defaults."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import GOOD_FLOW, assert_no_traceback, json_data

GOOD = GOOD_FLOW
TRAP = """\
id: api
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import requests
      requests.get("http://localhost:8080/api/v1/main/flows/search")
"""
LINE_RE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info) "
    r"(?P<rule>[a-z0-9-]+) (?P<message>.+)$"
)


def make_project(root: Path, flows: dict[str, str]) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / ".copier-answers.yml").write_text("project_slug: shop\nnamespace: company.team\n")
    (root / "docker-compose.yml").write_text(
        "name: shop\nservices:\n  kestra: {}\n  postgres: {}\n"
    )
    for name, text in flows.items():
        (root / "flows" / name).write_text(text)
    return root


def test_text_output_is_one_line_per_finding(cli, tmp_path: Path) -> None:
    (tmp_path / "api.yml").write_text(TRAP)
    result = cli("validate", "api.yml", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 1
    first, _blank, summary = result.stdout.strip("\n").split("\n")
    match = LINE_RE.match(first)
    assert match, first
    assert match.group("path", "line", "col", "sev", "rule") == (
        "api.yml",
        "8",
        "28",
        "error",
        "docker-runner-localhost",
    )
    assert "host.docker.internal" in match.group("message")
    assert summary == "1 error, 0 warnings in 1 file. Checked for Kestra 1.3."


def test_clean_flows_exit_zero(cli, tmp_path: Path) -> None:
    (tmp_path / "hello.yml").write_text(GOOD)
    result = cli("validate", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "No problems found in 1 file. Checked for Kestra 1.3."


def test_strict_makes_warnings_fail(cli, tmp_path: Path) -> None:
    (tmp_path / "hello.yml").write_text(GOOD + "variables:\n  token: 9fJ2kQ7xL0pV4mZ8sT3w\n")
    assert cli("validate", str(tmp_path)).returncode == 0
    strict = cli("validate", "--strict", str(tmp_path))
    assert strict.returncode == 1
    assert "--strict" in strict.stdout


def test_json_format(cli, tmp_path: Path) -> None:
    (tmp_path / "api.yml").write_text(TRAP)
    (tmp_path / "compose.yml").write_text("services:\n  db:\n    image: postgres:16\n")
    result = cli("validate", "--format", "json", str(tmp_path))
    assert result.returncode == 1
    data = json_data(result.stdout, "validate")
    assert data["summary"] == {"errors": 1, "warnings": 0, "infos": 1}
    assert [d["rule"] for d in data["diagnostics"]] == ["docker-runner-localhost", "not-a-flow"]
    assert [Path(p).name for p in data["files_skipped"]] == ["compose.yml"]
    assert data["server"] is None


def test_github_format(cli, tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "api.yml").write_text(TRAP)
    (tmp_path / "flows" / "empty.yml").write_text("")
    result = cli("validate", "--format", "github", "flows", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::error file=flows/api.yml,line=8,col=28,title=docker-runner-localhost::Task `call`"
    )
    # A finding about a whole file has no line; `:` and `,` in properties are escaped.
    assert lines[1].startswith("::warning file=flows/empty.yml,title=file-empty::")
    assert lines[-1] == "1 error, 1 warning in 2 files. Checked for Kestra 1.3."


def test_github_escaping() -> None:
    from kestra_init.flows.diagnostics import Diagnostic, Severity
    from kestra_init.output.validate import github_line

    diagnostic = Diagnostic(
        Path("/elsewhere/a,b:c.yml"), 3, 4, Severity.WARNING, "x-y", "100% sure\nnext line"
    )
    assert github_line(diagnostic, Path("/tmp")) == (
        "::warning file=/elsewhere/a%2Cb%3Ac.yml,line=3,col=4,title=x-y::100%25 sure%0Anext line"
    )


def test_default_is_the_project_flows_folder(cli, tmp_path: Path) -> None:
    root = make_project(tmp_path / "shop", {"hello.yml": GOOD, "api.yml": TRAP})
    result = cli("validate", cwd=root / "flows")  # from a sub-folder, like git
    assert result.returncode == 1
    assert result.stdout.startswith("api.yml:8:28: error docker-runner-localhost")
    # The network named in the fix is the project's compose network.
    assert "networkMode: shop_default" in result.stdout
    assert "2 files" in result.stdout
    assert cli("validate", "--project", str(root)).returncode == 1


def test_outside_a_project_without_paths(cli, tmp_path: Path) -> None:
    result = cli("validate", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert "no flows to validate" in result.stderr
    assert "kestra-init validate flows/" in result.stderr


def test_missing_path(cli, tmp_path: Path) -> None:
    result = cli("validate", "nowhere.yml", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere.yml does not exist" in result.stderr


def test_server_options_need_server(cli, tmp_path: Path) -> None:
    (tmp_path / "hello.yml").write_text(GOOD)
    result = cli("validate", "--url", "http://localhost:8080", str(tmp_path))
    assert result.returncode == 2
    assert "--url only applies with --server" in result.stderr


def test_unknown_format(cli, tmp_path: Path) -> None:
    result = cli("validate", "--format", "xml", str(tmp_path))
    assert_no_traceback(result)
    assert result.returncode == 2


def test_no_yaml_files(cli, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path))
    assert result.returncode == 0
    assert "No .yml or .yaml files found" in result.stdout


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02binary", b"- just\n- a list\n", b"key: [unclosed", b"", b"\xff\xfe\xfd"],
)
def test_odd_files_never_show_a_traceback(cli, tmp_path: Path, content: bytes) -> None:
    (tmp_path / "odd.yml").write_bytes(content)
    result = cli("validate", str(tmp_path))
    assert_no_traceback(result)
    assert result.returncode in (0, 1)
    assert "odd.yml" in result.stdout


def test_validate_imports_no_heavy_library(tmp_path: Path) -> None:
    (tmp_path / "hello.yml").write_text(GOOD)
    probe = textwrap.dedent(
        f"""
        import sys
        sys.argv = ["kestra-init", "validate", {str(tmp_path)!r}]
        from kestra_init.cli import main
        try:
            main()
        except SystemExit as exit:
            code = exit.code
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in
                       ("copier", "python_on_whales", "httpx"))
        print("HEAVY", heavy, "CODE", code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip().endswith("HEAVY [] CODE 0"), result.stdout + result.stderr


def test_a_flow_defined_twice_in_one_file_is_one_finding(cli, tmp_path: Path) -> None:
    (tmp_path / "twice.yml").write_text(GOOD + "---\n" + GOOD)
    result = cli("validate", "twice.yml", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 1
    findings = [line for line in result.stdout.splitlines() if LINE_RE.match(line)]
    assert len(findings) == 1, result.stdout
    assert LINE_RE.match(findings[0]).group("line", "rule") == ("8", "flow-duplicate")
    assert (
        result.stdout.strip().splitlines()[-1]
        == "1 error, 0 warnings in 1 file. Checked for Kestra 1.3."
    )
