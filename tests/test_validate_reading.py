"""What validate does with paths that are not plain flow files: it never hangs, never
reads without bound, and never skips anything in silence."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kestra_init.flows import reading
from kestra_init.flows.discover import find_flow_files
from kestra_init.flows.lint import UNREAD_RULES, lint_file, validate_paths
from tests.helpers import GOOD_FLOW


def other_flow(name: str) -> str:
    return GOOD_FLOW.replace("id: hello", f"id: {name}", 1)


def finishes(function, seconds: float = 10):  # type: ignore[no-untyped-def]
    """The result of ``function()``, failing the test instead of hanging with it."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"still running after {seconds} s"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "flow.yml"
    os.mkfifo(pipe)
    for target in (pipe, tmp_path):  # named on the command line, or found in a folder
        result = finishes(lambda target=target: validate_paths([target]))
        (found,) = result.diagnostics
        assert found.rule == "file-not-regular" and "named pipe" in found.message
        assert found.rule in UNREAD_RULES


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it() -> None:
    report = finishes(lambda: lint_file(Path("/dev/zero")))
    assert [d.rule for d in report.diagnostics] == ["file-not-regular"]
    assert not report.read_completely


def test_the_size_cap_applies_to_what_is_read(tmp_path: Path, monkeypatch) -> None:
    # A size reported as 0 (a pipe, /proc) must not let a large file through:
    # the cap counts the bytes read.
    big = tmp_path / "big.yml"
    big.write_text(GOOD_FLOW + "# " + "x" * 5000 + "\n")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    real_fstat = os.fstat
    monkeypatch.setattr(
        reading.os,
        "fstat",
        lambda fd: os.stat_result((*real_fstat(fd)[:6], 0, *real_fstat(fd)[7:])),
    )
    (found,) = lint_file(big).diagnostics
    assert found.rule == "file-too-large"


def test_a_linked_folder_is_searched(tmp_path: Path) -> None:
    outside = tmp_path / "shared-flows"
    outside.mkdir()
    (outside / "shared.yml").write_text(other_flow("shared"))
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "own.yml").write_text(GOOD_FLOW)
    (flows / "team").symlink_to(outside, target_is_directory=True)
    assert [p.relative_to(flows).as_posix() for p in find_flow_files([flows])] == [
        "own.yml",
        "team/shared.yml",
    ]


def test_a_link_loop_ends_and_each_file_is_read_once(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    (flows / "a").mkdir(parents=True)
    (flows / "a" / "one.yml").write_text(GOOD_FLOW)
    (flows / "a" / "up").symlink_to(flows, target_is_directory=True)  # a loop
    (flows / "again").symlink_to(flows / "a", target_is_directory=True)  # a second way in
    files = finishes(lambda: find_flow_files([flows]))
    assert [p.relative_to(flows).as_posix() for p in files] == ["a/one.yml"]
    assert validate_paths([flows]).diagnostics == []  # not a flow defined twice


def test_a_folder_that_cannot_be_listed_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    # (chmod cannot take the permission away from root, who may run the tests.)
    flows = tmp_path / "flows"
    (flows / "locked").mkdir(parents=True)
    (flows / "ok.yml").write_text(GOOD_FLOW)
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = validate_paths([flows])
    (found,) = result.diagnostics
    assert found.rule == "folder-unreadable" and found.path == flows / "locked"
    assert "Permission denied" in found.message
    assert result.exit_code == 1


def test_a_folder_given_as_a_file(tmp_path: Path) -> None:
    (found,) = lint_file(tmp_path).diagnostics
    assert found.rule == "file-not-regular" and "is a folder" in found.message
