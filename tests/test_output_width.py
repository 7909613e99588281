"""Tables stay readable at 80 columns and in logs: no path or word is ever cut.

First the table printer itself, with generated rows at widths from 40 to 200;
then the commands people read most (`sync`, `doctor`), at COLUMNS=80 and 200,
to a pipe (a CI log) and to a pseudo-terminal.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from kestra_init.output.tables import Column, print_table
from tests.fake_kestra import FakeKestra
from tests.helpers import make_api_project
from tests.sync_helpers import flow, write

_WORD = st.text("abcdefghijklmnopqrstuvwxyz_./-0123456789", min_size=1, max_size=45)
_CELL = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
COLUMNS = (
    Column("flow"),
    Column("action"),
    Column("file", label="file"),
    Column("msg", wraps=True),
)


def assert_lines_fit(output: str, columns: int) -> None:
    """Every line fits, unless it holds a word that cannot be broken (a path, a URL)
    or is a finding kept on one line as compilers print them (file:line:col: ...)."""
    for line in output.splitlines():
        longest = max((len(word) for word in line.split()), default=0)
        finding = re.match(r"^\S+:\d+:\d+: ", line)
        assert len(line) <= columns or longest > columns - 12 or finding, (columns, line)


def _render(width: int, rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    print_table(console, COLUMNS, rows)
    return buffer.getvalue()


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(min_value=40, max_value=200),
    rows=st.lists(
        st.tuples(_WORD, st.sampled_from(["create", "update", "delete"]), _WORD, _CELL).map(list),
        min_size=1,
        max_size=5,
    ),
)
def test_every_word_of_every_cell_is_printed_whole_at_any_width(
    width: int, rows: list[list[str]]
) -> None:
    text = _render(width, rows)
    words_out = set(text.split())
    for row in rows:
        for cell in row:
            for word in cell.split():
                assert word in words_out, (word, width, text)


def test_a_table_that_does_not_fit_becomes_a_list_with_labels() -> None:
    long_path = "flows/" + "very_long_folder_name/" * 3 + "python_outputs.yml"
    rows = [["demo.python_outputs", "update", long_path, "Kestra accepted revision 4"]]
    narrow, wide = _render(80, rows), _render(200, rows)
    assert f"file: {long_path}" in narrow  # list layout: one labelled line per field
    assert "flow" not in narrow.split("\n")[0]  # no header row in the list layout
    assert long_path in wide and "file:" not in wide  # the grid, whole


def test_grid_columns_line_up_wrap_under_their_column_and_end_without_spaces() -> None:
    rows = [
        ["demo.éte/日本", "update", "flows/日本.yml", "Kestra accepted revision 4"],
        ["demo.b", "create", "flows/b.yml", "refused: " + "word " * 20 + "end"],
    ]
    text = _render(80, rows)
    lines = text.splitlines()
    assert lines[0].split() == ["flow", "action", "file", "msg"]
    assert all(line == line.rstrip() for line in lines), text  # clean in CI logs
    # "action" starts at the same terminal column on every row, wide characters
    # (two cells each) included.
    starts = [
        cell_len(line[: line.index(word)])
        for line, word in zip(lines[:3], ["action", "update", "create"], strict=True)
    ]
    assert len(set(starts)) == 1, text
    # The long message goes on under its own column, at spaces.
    message_at = cell_len(lines[1][: lines[1].index("Kestra")])
    continued = lines[3:]
    assert continued and all(line[:message_at].strip() == "" for line in continued), text
    assert " ".join(" ".join(lines[2:]).split()).endswith("word word end"), text


def _pty_output(args: list[str], cwd: Path, columns: int) -> str:
    """Run the CLI in a pseudo-terminal of ``columns`` columns; everything it printed."""
    leader, follower = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    env.pop("COLUMNS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kestra_init", *args],
        cwd=cwd,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r\n", "\n")
    # What the screen keeps: a carriage return starts the line over (a spinner's
    # redraws), so only the text after the last one stays.
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def test_sync_at_80_and_200_columns_never_cuts_a_file_name(
    cli, fake_kestra: FakeKestra, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    project = make_api_project(tmp_path / "p", fake_kestra)
    names = [
        "python_outputs.yml",
        "a_rather_long_folder/with_a_nested_one/ingest_customer_orders_daily.yml",
    ]
    for index, name in enumerate(names):
        write(project / "flows", name, flow(f"flow_{index}"))
    paths = [f"flows/{name}" for name in names]
    for columns in (80, 200):
        piped = cli("sync", "--dry-run", cwd=project, env={"COLUMNS": str(columns)})
        assert piped.returncode == 0, piped.stderr
        on_terminal = _pty_output(["sync", "--dry-run"], project, columns)
        for output in (piped.stdout, on_terminal):
            words = set(output.split())
            for path in paths:
                assert path in words, (columns, output)
            assert_lines_fit(output, columns)


def test_doctor_at_80_columns_keeps_each_check_and_fix_whole(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "proj"
    assert cli("new", root, "--defaults", "--no-git").returncode == 0
    (root / ".env").write_text("KESTRA_ADMIN_EMAIL=admin\n")  # fails with a long fix
    piped = cli("doctor", cwd=root, env={"COLUMNS": "80"})
    on_terminal = _pty_output(["doctor"], root, 80)
    for output in (piped.stdout, on_terminal):
        flat = " ".join(output.split())
        assert ".env present and valid" in flat
        assert "Run `kestra-init up`" in flat or "Edit " in flat
        assert_lines_fit(output, 80)


def test_an_error_paragraph_wraps_between_words_and_keeps_a_long_url_whole(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = "http://127.0.0.1:9/a_path_segment_far_too_long_to_share_a_forty_column_line"
    (tmp_path / "flows").mkdir()
    write(tmp_path / "flows", "a.yml", flow("a"))
    result = cli("sync", "flows", "--server", url, cwd=tmp_path, env={"COLUMNS": "40"})
    assert result.returncode == 4, result.stderr
    lines = result.stderr.splitlines()
    assert url + "." in lines  # on a line of its own, whole, to be copied
    assert all(line == line.rstrip() for line in lines), result.stderr
    assert_lines_fit(result.stderr, 40)
    assert "To fix:" in " ".join(result.stderr.split())


def test_a_path_is_shown_from_the_current_folder_through_links(tmp_path, monkeypatch) -> None:
    # output/diagnostics.shown_path with one resolver for a whole table: the same
    # answers as Path.resolve().relative_to(), one lstat per row.
    from pathlib import Path

    from kestra_init.output.diagnostics import shown_path
    from kestra_init.services.real_paths import RealPaths

    project = tmp_path / "project"
    (project / "flows" / "demo").mkdir(parents=True)
    (project / "flows" / "demo" / "a.yml").write_text("id: a\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.yml").write_text("id: b\n")
    (project / "flows" / "linked").symlink_to(project / "flows" / "demo")
    (project / "flows" / "out.yml").symlink_to(tmp_path / "elsewhere" / "b.yml")
    monkeypatch.chdir(project)
    real = RealPaths()
    cases = {
        Path("flows/demo/a.yml"): "flows/demo/a.yml",
        project / "flows" / "linked" / "a.yml": "flows/demo/a.yml",  # as resolve() says
        project / "flows" / "out.yml": str(project / "flows" / "out.yml"),  # outside: as given
        project: ".",
        tmp_path / "elsewhere" / "b.yml": str(tmp_path / "elsewhere" / "b.yml"),
    }
    for path, shown in cases.items():
        assert shown_path(path, None, real) == shown, path
        assert shown_path(path) == shown, path
    assert shown_path(project / "flows" / "demo" / "a.yml", project / "flows") == "demo/a.yml"
