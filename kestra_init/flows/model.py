"""One parsed flow, with the lookups every rule needs computed once.

Rules ask the same questions (every task at any depth, every input id, every
string and where it is), so ``FlowDoc`` answers them once per document instead
of each rule walking the tree again; this is what keeps 1,000 files under the
speed goal.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from kestra_init.flows.core_types import canonical
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

# Flow-level lists of tasks (`listeners` hold theirs one level deeper).
FLOW_TASK_BLOCKS = ("tasks", "errors", "finally", "afterExecution")
# Keys under which a flowable task holds child tasks: Parallel/Sequential/ForEach/
# WorkingDirectory/AllowFailure/Dag `tasks`, If `then`/`else`, Switch `cases`/
# `defaults`, and every flowable task's own `errors`/`finally`/`afterExecution`.
CHILD_TASK_KEYS = ("tasks", "then", "else", "defaults", "errors", "finally", "afterExecution")


@dataclass(frozen=True)
class TaskRef:
    """A task or trigger mapping and where it sits."""

    node: YMap
    block: str  # e.g. "tasks", "then", "cases.FIRST", "triggers"
    parent: TaskRef | None

    @property
    def mark(self) -> Mark:
        return self.node.mark

    @property
    def id(self) -> str | None:
        value = self.node.get("id")
        return value if isinstance(value, str) else None

    @property
    def type(self) -> str | None:
        value = self.node.get("type")
        return value if isinstance(value, str) else None

    def id_mark(self) -> Mark:
        return key_mark(self.node, "id")


@dataclass(frozen=True)
class BadItem:
    """Something in a task or trigger list that is not a mapping."""

    mark: Mark
    block: str
    value: Any


class StringValue(NamedTuple):
    """A string of the document and where it is (a tuple: made for every string)."""

    text: str
    mark: Mark
    path: tuple[str, ...]  # keys from the root; list positions appear as "[i]"
    # "" when rendered against this flow's own execution; else whose it is
    # (SUBFLOW_CHILD, FLOW_TRIGGER_UPSTREAM), where this flow's names mean nothing.
    scope: str = ""


# A Subflow task's own `outputs:` map is rendered with the run context of the
# *called* flow's execution (jdbc/.../JdbcExecutor.java builds it from
# `flowMetaStore.findByExecution(childExecution)`, then Subflow.java
# `createSubflowExecutionResult` renders the map; 1.0 and 1.3), so it names the
# child's tasks. A Flow trigger's `inputs:` are rendered against the *upstream*
# execution (executor/.../FlowTriggerService.java calls
# `runContextFactory.of(flow, execution)` with the triggering execution, then
# trigger/Flow.java `evaluate` renders them; 1.0 and 1.3), so they name the
# upstream flow's tasks and inputs.
SUBFLOW_CHILD = "the called flow's execution"
FLOW_TRIGGER_UPSTREAM = "the upstream execution"
_FOREIGN_SCOPES = {
    "io.kestra.plugin.core.flow.Subflow": SUBFLOW_CHILD,
    "io.kestra.plugin.core.trigger.Flow": FLOW_TRIGGER_UPSTREAM,
}
_FOREIGN_KEYS = {SUBFLOW_CHILD: "outputs", FLOW_TRIGGER_UPSTREAM: "inputs"}


_MARK_OF = attrgetter("mark")
INPUT_LEAF: Any = None  # marks an input (not a group of dotted ids) in ``FlowDoc.input_tree``


def key_mark(mapping: YMap, key: str) -> Mark:
    """The mark of ``key`` in ``mapping``, or the mapping's own mark when absent."""
    return mapping.key_marks.get(key, mapping.mark)


def value_mark(mapping: YMap, key: str) -> Mark:
    return mapping.value_marks.get(key, mapping.mark)


class FlowDoc:
    """A document that has the shape of a flow (a mapping), ready for the rules."""

    def __init__(self, root: YMap, path: Path, file_lines: list[str]) -> None:
        self.root = root
        self.path = path
        self.file_lines = file_lines  # the whole file, for columns inside block scalars
        self.tasks: list[TaskRef] = []
        self.triggers: list[TaskRef] = []
        self.bad_items: list[BadItem] = []
        self._collect_tasks()

    # Tasks ---------------------------------------------------------------------
    def _collect_tasks(self) -> None:
        for block in FLOW_TASK_BLOCKS:
            self._walk_list(self.root.get(block), block, None)
        listeners = self.root.get("listeners")
        if isinstance(listeners, YList):
            for listener in listeners:
                if isinstance(listener, YMap):
                    self._walk_list(listener.get("tasks"), "listeners", None)
        triggers = self.root.get("triggers")
        if isinstance(triggers, YList):
            for item, mark in zip(triggers, triggers.item_marks, strict=True):
                if isinstance(item, YMap):
                    self.triggers.append(TaskRef(item, "triggers", None))
                else:
                    self.bad_items.append(BadItem(mark, "triggers", item))

    def _walk_list(self, items: Any, block: str, parent: TaskRef | None) -> None:
        if not isinstance(items, YList):
            return
        for item, mark in zip(items, items.item_marks, strict=True):
            if not isinstance(item, YMap):
                self.bad_items.append(BadItem(mark, block, item))
                continue
            # A Dag lists `{task: {...}, dependsOn: [...]}` entries.
            if "task" in item and "type" not in item and isinstance(item["task"], YMap):
                item = item["task"]
            ref = TaskRef(item, block, parent)
            self.tasks.append(ref)
            self._walk_children(ref)

    def _walk_children(self, ref: TaskRef) -> None:
        node = ref.node
        for key in CHILD_TASK_KEYS:
            value = node.get(key)
            if isinstance(value, YList) and _looks_like_task_list(value):
                self._walk_list(value, key, ref)
        cases = node.get("cases")
        if isinstance(cases, YMap):
            for case, tasks in cases.items():
                self._walk_list(tasks, f"cases.{case}", ref)

    # Lookups -------------------------------------------------------------------
    @property
    def id(self) -> str | None:
        value = self.root.get("id")
        return value if isinstance(value, str) else None

    @cached_property
    def inputs(self) -> list[YMap]:
        value = self.root.get("inputs")
        if not isinstance(value, YList):
            return []
        return [item for item in value if isinstance(item, YMap)]

    @cached_property
    def input_ids(self) -> set[str]:
        ids = set()
        for item in self.inputs:
            # `name` is the pre-0.15 spelling of `id`; Kestra 1.x still reads it.
            value = item.get("id", item.get("name"))
            if isinstance(value, str):
                ids.add(value)
        return ids

    @cached_property
    def input_tree(self) -> dict[str, Any]:
        """The inputs as expressions see them: dotted ids nest.

        Kestra turns the inputs `user.name` and `user.email` into one map
        `{user: {name, email}}` (core/.../runners/FlowInputOutput.java ends
        `readExecutionInputs` with `MapUtils.flattenToNestedMap`, 1.0 and 1.3), so
        `inputs.user` and `inputs.user.name` both exist and `inputs['user.name']`
        does not. A leaf (an input itself) is ``INPUT_LEAF``.
        """
        tree: dict[str, Any] = {}
        for input_id in sorted(self.input_ids):
            node = tree
            parts = input_id.split(".")
            for part in parts[:-1]:
                child = node.setdefault(part, {})
                if child is INPUT_LEAF:
                    break  # `user` and `user.name` both declared: Kestra keeps `user`
                node = child
            else:
                node.setdefault(parts[-1], INPUT_LEAF)
        return tree

    @cached_property
    def variable_names(self) -> set[str]:
        names: set[str] = set()
        variables = self.root.get("variables")
        if isinstance(variables, YMap):
            names.update(variables)
        # SetVariables tasks add variables while the execution runs.
        for task in self.tasks:
            if (task.type or "").endswith(".SetVariables"):
                added = task.node.get("variables")
                if isinstance(added, YMap):
                    names.update(added)
        return names

    @cached_property
    def task_ids(self) -> set[str]:
        ids = {task.id for task in self.tasks if task.id}
        # A ForEachItem task `x` runs as three tasks, `x_split`, `x_items` and
        # `x_merge`, whose outputs flows read (`outputs.x_merge.subflowOutputs`).
        for task in self.tasks:
            if task.id and (task.type or "").endswith(".ForEachItem"):
                ids.update(f"{task.id}_{part}" for part in ("split", "items", "merge"))
        return ids

    @property
    def strings(self) -> list[StringValue]:
        """Every string value of the document with its mark, in document order."""
        return self._index[0]

    @property
    def typed_maps(self) -> list[tuple[YMap, tuple[str, ...]]]:
        """Every mapping with a text `type` (tasks, triggers, runners, conditions...)."""
        return self._index[1]

    @property
    def scalar_entries(self) -> list[tuple[str, Any, Mark]]:
        """(key, value, mark of the value) of every mapping entry that is not a container."""
        return self._index[2]

    @cached_property
    def _index(
        self,
    ) -> tuple[list[StringValue], list[tuple[YMap, tuple[str, ...]]], list[tuple[str, Any, Mark]]]:
        # One walk over the whole document serves every lookup.
        strings: list[StringValue] = []
        typed: list[tuple[YMap, tuple[str, ...]]] = []
        entries: list[tuple[str, Any, Mark]] = []
        stack: list[tuple[Any, tuple[str, ...], str]] = [(self.root, (), "")]
        containers = (YMap, YList)
        add_string, add_entry = strings.append, entries.append
        while stack:
            node, path, scope = stack.pop()
            children: list[tuple[Any, tuple[str, ...], str]] = []
            if isinstance(node, YMap):
                foreign = foreign_key = ""
                type_name = node.get("type")
                if type(type_name) is str:
                    typed.append((node, path))
                    foreign = _FOREIGN_SCOPES.get(canonical(type_name.strip()), "")
                    # The one property of this type rendered against another execution.
                    foreign_key = _FOREIGN_KEYS.get(foreign, "")
                marks = node.value_marks
                for key, value in node.items():
                    inner = scope or (foreign if key == foreign_key else "")
                    if isinstance(value, containers):
                        children.append((value, (*path, key), inner))
                        continue
                    mark = marks[key]
                    add_entry((key, value, mark))
                    if type(value) is str:
                        add_string(StringValue(value, mark, (*path, key), inner))
            elif isinstance(node, YList):
                for index, (value, mark) in enumerate(zip(node, node.item_marks, strict=True)):
                    if type(value) is str:
                        add_string(StringValue(value, mark, (*path, f"[{index}]"), scope))
                    elif isinstance(value, containers):
                        children.append((value, (*path, f"[{index}]"), scope))
            stack.extend(reversed(children))
        # Walked in document order, so the sorts find the lists (nearly) sorted.
        strings.sort(key=_MARK_OF)
        typed.sort(key=lambda item: item[0].mark)
        return strings, typed, entries

    def strings_under(self, node: YMap | YList) -> Iterator[tuple[str, Mark]]:
        """Every string inside ``node`` (at any depth) with its mark."""
        stack: list[Any] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, YMap):
                for key, value in current.items():
                    if isinstance(value, str):
                        yield value, current.value_marks[key]
                    elif isinstance(value, (YMap, YList)):
                        stack.append(value)
            elif isinstance(current, YList):
                for value, mark in zip(current, current.item_marks, strict=True):
                    if isinstance(value, str):
                        yield value, mark
                    elif isinstance(value, (YMap, YList)):
                        stack.append(value)

    def locate(self, text: str, mark: Mark, offset: int) -> Mark:
        """Where character ``offset`` of the string ``text`` (whose value starts at ``mark``) is.

        Each string gets one ``_Locator``, so that many findings in one long
        string (a script with thousands of expressions) cost its length once,
        not once per finding.
        """
        key = (id(text), mark)
        locator = self._locators.get(key)
        if locator is None or locator.text is not text:
            locator = self._locators[key] = _Locator(text, mark, self.file_lines)
        return locator.at(offset)

    @cached_property
    def _locators(self) -> dict[tuple[int, Mark], _Locator]:
        return {}


class _Locator:
    """Positions in the file of the characters of one string value.

    For a literal block scalar (``|``) each line of the value is a line of the
    file, starting on the line after the indicator, after the block's
    indentation. A value on one line (plain or quoted) starts at its mark. Other
    styles fold lines, so the column is found by looking the text around the
    offset up in the nearest file line.
    """

    def __init__(self, text: str, mark: Mark, file_lines: list[str]) -> None:
        self.text = text
        self.mark = mark
        self.file_lines = file_lines
        self.newlines = [match.start() for match in _NEWLINE_RE.finditer(text)]
        self.indents: dict[int, int | None] = {}  # value line -> indentation in the file

    def at(self, offset: int) -> Mark:
        text, mark = self.text, self.mark
        number = bisect_left(self.newlines, offset)  # value lines before this one
        line_start = self.newlines[number - 1] + 1 if number else 0
        block = mark.style in ("|", ">")
        line = mark.line + 1 + number if block else mark.line + number
        if not 1 <= line <= len(self.file_lines):
            return Mark(mark.line, mark.column)
        source = self.file_lines[line - 1]
        within = offset - line_start
        if mark.style == "|":
            indent = self._indent(number, line_start, source)
            if indent is not None:
                return Mark(line, indent + within + 1)
        elif not block and number == 0 and not self.newlines:
            column = mark.column - 1 + (1 if mark.style in ("'", '"') else 0) + within
            if source.startswith(text[offset : offset + 20], column):
                return Mark(line, column + 1)
        fragment = text[max(line_start, offset - 40) : offset]
        tail = text[offset : offset + 20].split("\n", 1)[0]
        column = source.find(fragment + tail) if fragment or tail else -1
        if column >= 0:
            return Mark(line, column + len(fragment) + 1)
        column = source.find(tail) if tail else -1
        if column >= 0:
            return Mark(line, column + 1)
        return Mark(mark.line, mark.column)

    def _indent(self, number: int, line_start: int, source: str) -> int | None:
        if number not in self.indents:
            end = self.newlines[number] if number < len(self.newlines) else len(self.text)
            own = self.text[line_start:end]
            fits = bool(own) and source.endswith(own)
            self.indents[number] = len(source) - len(own) if fits else None
        return self.indents[number]


_NEWLINE_RE = re.compile("\n")


def _looks_like_task_list(items: YList) -> bool:
    """A list whose mappings carry `id`, `type` or a Dag's `task`: child tasks, not data."""
    return any(
        isinstance(item, YMap) and ("type" in item or "id" in item or "task" in item)
        for item in items
    )


def flow_shape_problem(value: Any) -> str | None:
    """Why a document is not a flow, or None when it has a flow's shape.

    ``value`` is a parsed document: ``YMap``/``YList`` (the linter) or the plain
    dict/list of ``yaml.safe_load`` (sync), so both skip the same documents.
    """
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "a single value"
        return f"the document is {kind}, and a flow is a mapping"
    if "tasks" not in value:
        for marker, what in NOT_A_FLOW_MARKERS.items():
            if marker in value:
                return f"it looks like {what}"
    if "tasks" in value or ("id" in value and "namespace" in value):
        return None
    return "it has neither `tasks` nor both `id` and `namespace`"


# Top-level keys that mark other YAML a flows folder may hold.
NOT_A_FLOW_MARKERS = {
    "type": "a Kestra app or a plugin snippet (it has a top-level `type`)",
    "charts": "a Kestra dashboard (it has `charts`)",
    "services": "a Docker Compose file (it has `services`)",
    "testCases": "a Kestra test suite (it has `testCases`)",
}
