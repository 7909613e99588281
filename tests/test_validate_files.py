"""validate_paths on real files: discovery, odd files, results and exit codes."""

from __future__ import annotations

import os
from pathlib import Path

from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint import MAX_FILE_BYTES, validate_paths
from tests.helpers import GOOD_FLOW

GOOD = GOOD_FLOW


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def rules(result) -> list[tuple[str, str]]:
    return [(d.path.name, d.rule) for d in result.diagnostics]


def test_a_folder_of_good_flows(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", GOOD)
    write(tmp_path / "sub" / "b.yaml", GOOD.replace("hello", "other", 1))
    write(tmp_path / "notes.txt", "not yaml, not looked at")
    result = validate_paths([tmp_path])
    assert result.diagnostics == []
    assert [p.name for p in result.files_checked] == ["a.yml", "b.yaml"]
    assert len(result.flow_documents) == 2
    assert result.exit_code is ExitCode.OK


def test_errors_fail_and_warnings_fail_only_when_strict(tmp_path: Path) -> None:
    write(tmp_path / "warn.yml", GOOD + "variables:\n  api_token: 9fJ2kQ7xL0pV4mZ8sT3w\n")
    assert validate_paths([tmp_path]).exit_code is ExitCode.OK
    assert validate_paths([tmp_path], strict=True).exit_code is ExitCode.FINDINGS
    write(
        tmp_path / "bad.yml",
        GOOD.replace("message: Hello", "mesage: Hello").replace("d: hello", "d: bad", 1),
    )
    result = validate_paths([tmp_path])
    assert result.exit_code is ExitCode.FINDINGS
    assert (result.errors, result.warnings) == (1, 1)


def test_multi_document_file_keeps_each_flow_as_written(tmp_path: Path) -> None:
    second = "# the second flow\n" + GOOD.replace("id: hello", "id: second")
    write(tmp_path / "both.yml", GOOD + "---\n" + second)
    result = validate_paths([tmp_path])
    assert result.diagnostics == []
    assert [doc.text for doc in result.flow_documents] == [GOOD, second]
    assert [doc.first_line for doc in result.flow_documents] == [1, 8]


def test_non_flows_are_skipped_and_counted(tmp_path: Path) -> None:
    write(tmp_path / "flow.yml", GOOD)
    write(tmp_path / "docker-compose.yml", "services:\n  kestra:\n    image: kestra/kestra:v1.3\n")
    result = validate_paths([tmp_path])
    assert [p.name for p in result.files_skipped] == ["docker-compose.yml"]
    assert [d.severity for d in result.diagnostics] == [Severity.INFO]
    assert result.exit_code is ExitCode.OK


def test_binary_file(tmp_path: Path) -> None:
    write(tmp_path / "junk.yml", bytes(range(256)) * 4)
    assert rules(validate_paths([tmp_path])) == [("junk.yml", "file-unreadable")]


def test_other_encoding(tmp_path: Path) -> None:
    write(tmp_path / "latin.yml", GOOD.replace("Hello", "Hé").encode("latin-1"))
    (found,) = validate_paths([tmp_path]).diagnostics
    assert found.rule == "file-unreadable" and "UTF-8" in found.message


def test_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    write(tmp_path / "bom.yml", b"\xef\xbb\xbf" + GOOD.encode())
    assert validate_paths([tmp_path]).diagnostics == []


def test_nul_bytes_in_text(tmp_path: Path) -> None:
    write(tmp_path / "nul.yml", GOOD + "\x00\x00")
    assert rules(validate_paths([tmp_path])) == [("nul.yml", "file-unreadable")]


def test_empty_and_comment_only_files(tmp_path: Path) -> None:
    write(tmp_path / "empty.yml", "")
    write(tmp_path / "comments.yml", "# todo\n\n---\n# nothing\n")
    result = validate_paths([tmp_path])
    assert rules(result) == [("comments.yml", "file-empty"), ("empty.yml", "file-empty")]
    assert result.exit_code is ExitCode.OK
    assert validate_paths([tmp_path], strict=True).exit_code is ExitCode.FINDINGS


def test_too_large_file_is_not_read(tmp_path: Path) -> None:
    big = write(tmp_path / "big.yml", GOOD + "# " + "x" * MAX_FILE_BYTES + "\n")
    result = validate_paths([big])
    assert rules(result) == [("big.yml", "file-too-large")]
    assert result.exit_code is ExitCode.FINDINGS


def test_large_but_acceptable_file(tmp_path: Path) -> None:
    tasks = "".join(
        f"  - id: t{n}\n    type: io.kestra.plugin.core.log.Log\n    message: m{n}\n"
        for n in range(5000)
    )
    path = write(tmp_path / "many.yml", "id: many\nnamespace: a\ntasks:\n" + tasks)
    assert validate_paths([path]).diagnostics == []


def test_a_link_to_nothing_is_a_finding(tmp_path: Path) -> None:
    link = tmp_path / "gone.yml"
    os.symlink(tmp_path / "missing-target.yml", link)
    (found,) = validate_paths([link]).diagnostics
    assert found.rule == "file-link-dangling" and found.line == 0
    assert "missing-target.yml" in found.message
    # Found in a folder too, not skipped in silence.
    (found,) = validate_paths([tmp_path]).diagnostics
    assert found.rule == "file-link-dangling" and found.path == link


def test_same_flow_in_two_files(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", GOOD)
    write(tmp_path / "b.yml", GOOD)
    (found,) = validate_paths([tmp_path]).diagnostics
    assert found.rule == "flow-duplicate" and found.path.name == "b.yml"
    assert "a.yml line 1" in found.message


def test_hidden_and_tool_folders_are_ignored(tmp_path: Path) -> None:
    write(tmp_path / "flow.yml", GOOD)
    write(tmp_path / ".git" / "x.yml", "broken: [")
    write(tmp_path / "node_modules" / "y.yml", "broken: [")
    assert validate_paths([tmp_path]).diagnostics == []


def test_progress_callback_sees_every_file(tmp_path: Path) -> None:
    for n in range(3):
        write(tmp_path / f"f{n}.yml", GOOD.replace("id: hello", f"id: f{n}"))
    seen: list[tuple[int, int, str]] = []
    validate_paths(
        [tmp_path], on_file=lambda done, total, path: seen.append((done, total, path.name))
    )
    assert seen == [(1, 3, "f0.yml"), (2, 3, "f1.yml"), (3, 3, "f2.yml")]


def test_json_shape(tmp_path: Path) -> None:
    write(tmp_path / "bad.yml", GOOD.replace("namespace: company.team", "namespace: Bad"))
    result = validate_paths([tmp_path])
    assert result.failed and result.exit_code == 1
    data = result.to_json()
    assert data["summary"] == {"errors": 1, "warnings": 0, "infos": 0}
    (item,) = data["diagnostics"]
    assert item["rule"] == "namespace-invalid" and (item["line"], item["column"]) == (2, 12)


def test_a_yaml_directive_before_the_flow(tmp_path: Path) -> None:
    write(tmp_path / "directive.yml", "%YAML 1.2\n---\n" + GOOD)
    result = validate_paths([tmp_path])
    assert result.diagnostics == []
    assert len(result.flow_documents) == 1


def test_windows_line_endings(tmp_path: Path) -> None:
    text = GOOD + "    message: again\n"
    write(tmp_path / "crlf.yml", text.replace("\n", "\r\n").encode())
    (found,) = validate_paths([tmp_path]).diagnostics
    assert (found.rule, found.line, found.column) == ("yaml-duplicate-key", 7, 5)
