"""Reading a flow's source without a YAML library: the honest subset the fake checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .configuration import _BLOCK_SCALAR_RE, _KEY_RE, _scalar
from .tables import (
    CORE_PACKAGE,
    FLOW_ID_RE,
    KNOWN_CORE_TYPES,
    NAMESPACE_RE,
    RESERVED_IDS,
    TASK_ID_RE,
    TOP_LEVEL_KEYS,
)

_TOP_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")


@dataclass
class Violation:
    path: str
    message: str

    def text(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class Item:
    """One entry of a top-level list (a task or an input): its own keys, one line each."""

    keys: dict[str, str | None]
    blocks: dict[str, str]  # block-scalar values (e.g. a multi-line Log message)
    line: int


@dataclass
class FlowText:
    source: str
    keys: dict[str, str | None] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    syntax_error: bool = False  # the text is not a YAML mapping at all
    tasks: list[Item] = field(default_factory=list)
    inputs: list[Item] = field(default_factory=list)
    outputs: list[Item] = field(default_factory=list)
    triggers: list[Item] = field(default_factory=list)
    after_execution: list[Item] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        return self.keys.get("id")

    @property
    def namespace(self) -> str | None:
        return self.keys.get("namespace")

    @property
    def valid(self) -> bool:
        return not self.violations

    def constraints(self) -> str | None:
        if not self.violations:
            return None
        return "\n".join(v.text() for v in self.violations)


def _block_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """The lines under the top-level key on line ``start`` (0-based), with their numbers."""
    block = []
    for number in range(start + 1, len(lines)):
        line = lines[number]
        # A sequence may sit at the key's own column (`tasks:` then `- id: x`).
        at_column_0 = line.strip() and not line[0].isspace() and not line.startswith("#")
        if at_column_0 and not (line.startswith("-") and not line.startswith("---")):
            break
        block.append((number, line))
    return block


def _items(block: list[tuple[int, str]]) -> tuple[list[Item], bool]:
    """The entries of a block-style list; (items, is_a_list)."""
    content = [(n, line) for n, line in block if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        return [], False
    first = content[0][1]
    item_indent = len(first) - len(first.lstrip(" "))
    if not first.lstrip().startswith("-"):
        return [], False
    items: list[Item] = []
    key_indent = -1
    block_key: str | None = None
    block_indent = -1
    block_text: list[str] = []
    current: Item | None = None

    def close_block() -> None:
        nonlocal block_key
        if current is not None and block_key is not None:
            current.blocks[block_key] = "\n".join(block_text).rstrip("\n") + "\n"
        block_key = None

    for number, line in block:
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if block_key is not None:
            if not stripped or indent > key_indent:
                if block_indent < 0 and stripped:
                    block_indent = indent
                block_text.append(line[block_indent:] if block_indent >= 0 else "")
                continue
            close_block()
        if not stripped or stripped.startswith("#"):
            continue
        if indent == item_indent and stripped.startswith("-"):
            rest = stripped[1:]
            current = Item({}, {}, number + 1)
            items.append(current)
            key_indent = indent + 1 + (len(rest) - len(rest.lstrip(" ")))
            rest = rest.strip()
            if not rest:
                continue
            line, indent, stripped = " " * key_indent + rest, key_indent, rest
        if current is None or indent != key_indent:
            continue
        match = _KEY_RE.match(stripped)
        if not match:
            continue
        key, raw = match.groups()
        if raw is not None and _BLOCK_SCALAR_RE.match(raw):
            block_key, block_indent, block_text = key, -1, []
            current.keys[key] = None
        else:
            current.keys[key] = _scalar(raw)
    close_block()
    return items, True


def read_flow(source: str) -> FlowText:
    """Check a flow's source with the subset of Kestra's rules described above."""
    flow = FlowText(source)
    # A UTF-8 byte order mark before the first key (an editor's doing) is skipped by
    # Kestra's YAML parser; the source is kept as sent.
    lines = source.removeprefix("\ufeff").splitlines()
    if not source.strip():
        flow.violations.append(Violation("", "Unable to parse flow: the source is empty"))
        flow.syntax_error = True
        return flow
    for number, line in enumerate(lines, start=1):
        if line.startswith("\t"):
            flow.violations.append(
                Violation(
                    "",
                    "Unable to parse flow: found character '\\t' that cannot start any token "
                    f"(line: {number}, column: 1)",
                )
            )
            flow.syntax_error = True
            return flow
    open_key = False  # the previous top-level key has its value on the next lines
    for index, line in enumerate(lines):
        if not line.strip() or line.startswith(("#", " ")):
            continue
        if line.rstrip() in ("---", "...") or line.startswith("--- "):
            continue
        if line.startswith("-") and open_key:
            continue  # an entry of a list written at column 0
        match = _TOP_KEY_RE.match(line)
        if not match:
            flow.syntax_error = True
            flow.violations.append(
                Violation(
                    "",
                    "Unable to parse flow: expected a 'key: value' mapping at the top level "
                    f"(line: {index + 1}, column: 1)",
                )
            )
            return flow
        key, raw = match.groups()
        open_key = raw is None
        if key in flow.keys:
            flow.violations.append(
                Violation(key, f"Duplicate field '{key}' (line: {index + 1}, column: 1)")
            )
            continue
        flow.key_lines[key] = index + 1
        flow.keys[key] = None if raw is not None and _BLOCK_SCALAR_RE.match(raw) else _scalar(raw)
        if key == "tasks":
            if raw is not None and raw.strip() not in ("", "[]"):
                continue  # a flow-style list: not read by this subset
            flow.tasks, _ = _items(_block_lines(lines, index))
        elif key == "inputs" and raw is None:
            flow.inputs, _ = _items(_block_lines(lines, index))
        elif key == "triggers" and raw is None:
            flow.triggers, _ = _items(_block_lines(lines, index))
        elif key == "outputs" and raw is None:
            flow.outputs, _ = _items(_block_lines(lines, index))
        elif key == "afterExecution" and raw is None:
            flow.after_execution, _ = _items(_block_lines(lines, index))

    for key in flow.key_lines:
        if key not in TOP_LEVEL_KEYS:
            flow.violations.append(
                Violation(
                    key, f'Unrecognized field "{key}" (line: {flow.key_lines[key]}, column: 1)'
                )
            )
    flow_id, namespace = flow.id, flow.namespace
    if not flow_id:
        flow.violations.append(Violation("id", "must not be null"))
    elif not FLOW_ID_RE.match(flow_id) or len(flow_id) > 100:
        flow.violations.append(
            Violation(
                "id", 'must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*" and have at most 100 characters'
            )
        )
    elif flow_id in RESERVED_IDS:
        flow.violations.append(Violation("id", f"'{flow_id}' is a reserved flow id"))
    if not namespace:
        flow.violations.append(Violation("namespace", "must not be null"))
    elif not NAMESPACE_RE.match(namespace) or len(namespace) > 150:
        flow.violations.append(
            Violation(
                "namespace", 'must match "^[a-z0-9][a-z0-9._-]*" and have at most 150 characters'
            )
        )
    if "tasks" not in flow.key_lines:
        flow.violations.append(Violation("tasks", "must not be null"))
    elif not flow.tasks and flow.keys.get("tasks") in (None, "[]"):
        flow.violations.append(Violation("tasks", "must not be empty"))
    seen: set[str] = set()
    for position, task in enumerate(flow.tasks):
        task_id, task_type = task.keys.get("id"), task.keys.get("type")
        where = f"tasks[{position}]"
        if not task_id:
            flow.violations.append(Violation(f"{where}.id", "must not be null"))
        elif not TASK_ID_RE.match(task_id):
            flow.violations.append(
                Violation(f"{where}.id", 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*"')
            )
        elif task_id in seen:
            flow.violations.append(Violation(f"{where}.id", f"Duplicate task id '{task_id}'"))
        else:
            seen.add(task_id)
        if not task_type:
            flow.violations.append(Violation(f"{where}.type", "must not be null"))
        elif not _known_type(task_type):
            flow.violations.append(Violation(f"{where}.type", f"Invalid type: {task_type}"))
    for position, trigger in enumerate(flow.triggers):
        trigger_type = trigger.keys.get("type")
        if trigger_type and not _known_type(trigger_type):
            flow.violations.append(
                Violation(f"triggers[{position}].type", f"Invalid type: {trigger_type}")
            )
    return flow


def _known_type(type_name: str) -> bool:
    """A type Kestra could load: dotted, and a known one inside the core package."""
    if "." not in type_name or " " in type_name:
        return False
    return not type_name.startswith(CORE_PACKAGE) or type_name in KNOWN_CORE_TYPES


def _java_trim(text: str) -> str:
    # Java's String.trim() removes every character up to U+0020 at both ends.
    return text.strip("".join(chr(c) for c in range(33)))


def _cleanup_source(source: str) -> str:
    # Kestra drops a `revision: N` line from sources (FlowService.cleanupSource).
    return re.sub(r"(?m)^revision: \d+\n?", "", source, count=1)


def _java_split(text: str, separator: str) -> list[str]:
    # Java's String.split drops trailing empty strings.
    pieces = text.split(separator)
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


def flow_list(raw: str | None) -> list[str] | None:
    """The items of a one-line flow-style list (``[a, 'b c']``); None when it is not one."""
    if raw is None:
        return None
    text = raw.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    inner = text[1:-1].strip()
    if not inner:
        return []
    return [_scalar(part) or "" for part in inner.split(",")]
