"""The README promises what the code does: its exit-code table and its command list."""

from __future__ import annotations

import posixpath
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


# Commands that make a project never write it inside the clone --------------------------
# A command chain that installs kestra-init from "." runs in a clone of this repository;
# `kestra-init new PATH` there must point outside it (`update` refuses to work in a
# project nested in another repository, and the clone's git status fills with it).
CLONE = "/clone"
_INSTALLS_FROM_CLONE = re.compile(r"pip install (-e )?['\"]?\.(\[[a-z,]+\])?['\"]?(\s|$)")
_NEW = re.compile(r"(?:kestra-init|kestra_init)\s+new\s+(?P<path>[^\s;&|]+)")
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def _command_blocks(text: str) -> list[str]:
    """Fenced shell blocks and inline code spans: every command a reader may copy."""
    fenced = re.findall(r"```(?:sh|bash|console|shell)?\n(.*?)```", text, flags=re.S)
    outside = re.sub(r"```.*?```", "", text, flags=re.S)
    inline = re.findall(r"`([^`\n]+)`", outside)
    return fenced + inline


def _projects_made_inside_the_clone(block: str) -> list[str]:
    """The `new` targets that land in the clone, following each `cd` of the block."""
    joined = block.replace("\\\n", " ")
    if not _INSTALLS_FROM_CLONE.search(joined):
        return []  # run from wherever the reader is: nothing to say
    cwd = CLONE
    inside = []
    for command in re.split(r"&&|\|\||;|\n", joined):
        words = command.split("#", 1)[0].split()
        if words[:1] == ["cd"] and len(words) > 1:
            cwd = _resolve(cwd, words[1])
        found = _NEW.search(command.split("#", 1)[0])
        if found:
            target = _resolve(cwd, found.group("path"))
            if target == CLONE or target.startswith(CLONE + "/"):
                inside.append(found.group(0))
    return inside


def _resolve(cwd: str, path: str) -> str:
    path = path.strip("'\"")
    if path.startswith("~"):
        path = "/home/reader" + path[1:]
    return posixpath.normpath(posixpath.join(cwd, path))


def test_the_checker_catches_a_project_made_inside_the_clone() -> None:
    # The fresh-machine line as it once was, and variants: each lands in the clone.
    old = (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
        "kestra-init new myproj --defaults && cd myproj && kestra-init up"
    )
    assert _projects_made_inside_the_clone(old) == ["kestra-init new myproj"]
    assert _projects_made_inside_the_clone("pip install -e '.[test]'\nkestra-init new ./x")
    assert _projects_made_inside_the_clone("pip install . && cd docs && kestra-init new ../p")
    # Outside: next to the clone, in the home folder, absolute, or after leaving it.
    for fine in ("../myproj", "~/myproj", "/srv/workshop"):
        assert _projects_made_inside_the_clone(f"pip install . && kestra-init new {fine}") == []
    assert _projects_made_inside_the_clone("pip install . && cd .. && kestra-init new p") == []


def test_no_documented_command_makes_a_project_inside_the_clone() -> None:
    found = {
        doc.relative_to(REPO_ROOT).as_posix(): inside
        for doc in DOCS
        for block in _command_blocks(doc.read_text(encoding="utf-8"))
        if (inside := _projects_made_inside_the_clone(block))
    }
    assert found == {}, "make these projects outside the clone (e.g. new ../myproj)"


def test_the_fresh_machine_commands_start_from_a_clone_and_make_the_project_beside_it() -> None:
    section = README.split("## Fresh machine", 1)[1].split("\n## ", 1)[0]
    assert "from a clone of this repository" in " ".join(section.split())
    (line,) = [b for b in _command_blocks(section) if "kestra-init new" in b and "pip" in b]
    assert _INSTALLS_FROM_CLONE.search(line)
    assert "kestra-init new ../myproj" in line and "cd ../myproj && kestra-init up" in line


def test_the_readme_shows_how_to_run_kestra_init_without_installing_it() -> None:
    assert "pipx run kestra-init new myproj" in README
