"""The layout docs/architecture.md describes, checked on the source itself.

Every ``import`` in ``kestra_init/`` counts, at the top of a module or inside a
function (a function-level import creates the same dependency, only later).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "kestra_init"
MAX_LINES = 500

# Imports that may sit inside a function: the libraries that cost a tenth of a
# second or more to import, and the modules that alone import them (so that a
# command loads them only once it needs them), plus what only one platform has.
HEAVY = (
    "copier",
    "plumbum",
    "python_on_whales",
    "httpx",
    "kestra_init.kestra.client",
    "kestra_init.kestra.transport",
    "kestra_init.kestra.lean_httpx",
    "rich.live",
    "rich.progress",
    "rich.status",
    "fcntl",
    # ~40 ms (it loads anyio); only `sync --watch` needs it (services/watch.py).
    "watchfiles",
    # The linter with every rule (0.1 s): `services.local_flows` loads it only for a
    # file that changed, `commands.up` in a thread while Docker answers.
    "kestra_init.flows.lint",
    # Only `sync --watch` runs a watch session (commands/sync.py).
    "kestra_init.services.watch",
    "kestra_init.services.watch_changes",
    # Read only when a project has a settings file (project/settings.py).
    "tomllib",
    "tomli",
    # rich's prompt only when a question is asked.
    "rich.prompt",
    # ~20 ms; a sync whose files all match the server's parses none of them.
    "yaml",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> Iterator[tuple[ast.stmt, str, bool]]:
    """(statement, imported kestra_init module or library, inside a function?)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.update(id(sub) for sub in ast.walk(node) if sub is not node)
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, id(node) in inner
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from package import module` depends on that module itself.
                candidate = f"{base}.{alias.name}"
                yield node, candidate if candidate in MODULES else base, id(node) in inner


def internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for _node, target, _inner in imports(path):
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_anywhere() -> None:
    assert cycles(internal_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check itself must be able to fail.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "domain"  # the package itself holds only the version
    if parts[1] == "__main__":
        return "entry"
    return {
        "cli": "cli",
        "output": "output",
        "commands": "commands",
        "services": "services",
    }.get(parts[1], "domain")


# Which layers each layer may import (besides its own).
ALLOWED_LAYERS = {
    "entry": {"cli", "domain"},
    "cli": {"output", "commands", "services", "domain"},
    # The output layer renders results, so it knows their types.
    "output": {"commands", "services", "domain"},
    "commands": {"services", "domain"},
    "services": {"domain"},
    "domain": set(),
}


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for name, targets in internal_graph().items():
        mine = layer(name)
        for target in targets:
            theirs = layer(target)
            if theirs != mine and theirs not in ALLOWED_LAYERS[mine]:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert wrong == []


def test_no_command_module_imports_another() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in internal_graph().items()
        if name.startswith("kestra_init.commands.")
        for target in targets
        if target.startswith("kestra_init.commands.")
    ]
    assert wrong == []


def test_only_heavy_libraries_are_imported_inside_functions() -> None:
    wrong = []
    for name, path in MODULES.items():
        if layer(name) == "cli":
            continue  # each command function loads its own command and output modules
        for node, target, inner in imports(path):
            heavy = any(target == h or target.startswith(h + ".") for h in HEAVY)
            if inner and not heavy:
                wrong.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_is_under_500_lines(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name]} has {lines} lines"
