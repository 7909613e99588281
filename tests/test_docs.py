"""The README promises what the code does: its exit-code table and its command list."""

from __future__ import annotations

import re

from kestra_init.cli import app
from kestra_init.exit_codes import MEANING
from tests.helpers import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_exit_code_table_matches_the_code() -> None:
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", README, flags=re.MULTILINE))
    expected = {str(int(code)): meaning for code, meaning in MEANING.items()}
    assert rows == expected, "update the README's exit-code table from kestra_init/exit_codes.py"


def test_readme_lists_every_command() -> None:
    names = {command.name or command.callback.__name__ for command in app.registered_commands}
    listed = set(re.findall(r"^\| `([a-z]+)[ `]", README, flags=re.MULTILINE))
    assert names == listed


def test_readme_gives_the_test_command_that_ci_runs() -> None:
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci_script
    assert "python -m pytest" in README
    assert ".ci/run" in README
